using Vigil.Core.Config;
using Vigil.Core.Labels;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The <c>analysis:</c> section of <c>vigil.yaml</c>: anomaly scoring of selected series and the insight engines.
/// </summary>
/// <remarks>
/// <code>
/// analysis:
///   enabled: true                    # default true
///   evaluation_interval: 15s         # how often new samples are scored
///   detector: { name: vigil, parameters: { min_points: 300 } }
///   threshold: 0.5                   # vigil_anomalous = 1 when a score reaches it
///   hold: 1m                         # vigil_anomalous stays 1 this long after the last such score
///   builtin_series: true             # the series of the built-in collectors (job of the server)
///   selectors: ['{job="shop"}', 'http_requests_total']
///   max_series: 10000
///   warmup: 2h                       # history replayed into detectors that have no saved state
///   state_save_interval: 5m
///   insights: { ... }                # see AnalysisInsightsConfig
/// </code>
/// </remarks>
public sealed record AnalysisConfig
{
    /// <summary>Whether the analysis runs at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How often new samples of the selected series are scored.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The detector (see <c>Vigil.Analysis.Anomaly.DetectorFactory.Names</c>).</summary>
    public string Detector { get; init; } = Vigil.Analysis.Anomaly.DetectorFactory.DefaultName;

    /// <summary>The detector's parameters (validated by the detector itself).</summary>
    [NotSecret("numbers that tune a detector")]
    public IReadOnlyDictionary<string, double> DetectorParameters { get; init; } = new Dictionary<string, double>();

    /// <summary>A score at or above this makes a point anomalous.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>How long <c>vigil_anomalous</c> stays 1 after the last anomalous point, so alert rules and insights see it.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether the series of the built-in collectors (those with the server's <c>job</c> label) are scored.</summary>
    public bool BuiltinSeries { get; init; } = true;

    /// <summary>More series to score: PromQL selectors, each with the text it was written as.</summary>
    public IReadOnlyList<AnalysisSelector> Selectors { get; init; } = [];

    /// <summary>The most series scored; series beyond it are skipped (and counted).</summary>
    public int MaxSeries { get; init; } = 10_000;

    /// <summary>How much stored history a detector without saved state is trained on at start-up; 0 for none.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How often detector state is written to the data directory (and always at stop).</summary>
    public TimeSpan StateSaveInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The insight engines.</summary>
    public AnalysisInsightsConfig Insights { get; init; } = new();
}

/// <summary>A selector of series to score, as written and as matchers.</summary>
/// <param name="Text">The selector as written, e.g. <c>{job="shop"}</c>.</param>
/// <param name="Matchers">Its matchers; at least one does not match the empty string.</param>
public sealed record AnalysisSelector(string Text, IReadOnlyList<LabelMatcher> Matchers);

/// <summary>The <c>analysis.insights:</c> block: when the engines run, over which window, and their thresholds.</summary>
public sealed record AnalysisInsightsConfig
{
    /// <summary>Whether the insight engines run.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How often the engines run.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The window the trend and bottleneck engines look at.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Findings less certain than this are dropped (the seed's <c>confidence_threshold</c>).</summary>
    public double MinConfidence { get; init; } = 0.5;

    /// <summary>Resolved insights kept (the oldest go first).</summary>
    public int HistoryLimit { get; init; } = 1000;

    /// <summary>How long a resolved insight is kept after it ended (the seed's <c>retention_period</c>; 7 days by default).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Trend engine: the Mann–Kendall p-value below which a trend is significant.</summary>
    public double TrendPValue { get; init; } = 0.01;

    /// <summary>Trend engine: the least relative change over the window worth reporting (0.1 = 10 %).</summary>
    public double TrendMinChange { get; init; } = 0.1;

    /// <summary>Trend engine: more series to watch besides those found by name.</summary>
    public IReadOnlyList<AnalysisQueryConfig> TrendQueries { get; init; } = [];

    /// <summary>Bottleneck engine: the utilization (0–1) at which a resource counts as a bottleneck.</summary>
    public double Utilization { get; init; } = 0.8;

    /// <summary>Bottleneck engine: the correlation with latency at which a resource's saturation is named as its cause.</summary>
    public double MinCorrelation { get; init; } = 0.7;

    /// <summary>Bottleneck engine: whether Vigil's own series (<c>vigil_*</c>, e.g. rule evaluation and collector durations) are latency candidates; off by default, since they follow the host's load without being anyone's latency.</summary>
    public bool BottleneckIncludeSelf { get; init; }

    /// <summary>Capacity engine: the window the usage trend is fitted on.</summary>
    public TimeSpan CapacityWindow { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Capacity engine: exhaustion further away than this is not reported.</summary>
    public TimeSpan CapacityHorizon { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Capacity engine: more resources besides disks, memory and connection pools.</summary>
    public IReadOnlyList<AnalysisCapacityConfig> CapacityResources { get; init; } = [];

    /// <summary>Anomaly engine: the fewest series anomalous at once that make an insight.</summary>
    public int AnomalyMinSeries { get; init; } = 1;

    /// <summary>
    /// Anomaly engine: the least peak score of a series anomalous alone on its instance that makes an insight (several
    /// series anomalous together need only the detector's threshold). For the default detector 0.7 is a point 0.23 of the
    /// series' range beyond it, which Gaussian noise reaches after a 6 h warm-up at 15 s in about 1 series-hour in 1,700
    /// (0.5 in 1 in 36).
    /// </summary>
    public double AnomalyMinScoreAlone { get; init; } = 0.7;
}

/// <summary>A PromQL expression the trend engine watches.</summary>
/// <param name="Name">A name for the description.</param>
/// <param name="Kind">latency, errors or saturation (all: higher is worse).</param>
/// <param name="Query">The expression.</param>
public sealed record AnalysisQueryConfig(string Name, string Kind, string Query);

/// <summary>A resource the capacity engine forecasts: the time until <paramref name="Usage"/> reaches <paramref name="Limit"/>.</summary>
/// <param name="Name">The resource name (the <c>resource</c> label of the insight).</param>
/// <param name="Usage">PromQL for the usage, one series per instance of the resource.</param>
/// <param name="Limit">PromQL for the limit, with the same labels as the usage.</param>
public sealed record AnalysisCapacityConfig(string Name, string Usage, string Limit);
