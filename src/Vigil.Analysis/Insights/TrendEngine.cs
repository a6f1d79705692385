using Vigil.Analysis.Statistics;
using Vigil.Core.Labels;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The trend engine: over the analysis window, a Theil–Sen slope with the Mann–Kendall test on every latency, error and
/// saturation series (<see cref="WatchedQueries"/>). A significant rise (p below <c>trend.p_value</c>) that changes the
/// level by at least <c>trend.min_change</c> over the window is a <see cref="InsightType.PerformanceDegradation"/>
/// (latency, errors) or a <see cref="InsightType.TrendIdentified"/> (saturation, which has not hurt latency yet).
/// A rise that yesterday's same hour also had (daily traffic climbing in the morning) is no trend: where the series is
/// stored a day back, the test runs on today minus yesterday, and only a rise left after that is reported.
/// </summary>
internal sealed class TrendEngine : IInsightEngine
{
    /// <summary>The fewest points a trend is computed on.</summary>
    public const int MinPoints = 20;

    /// <inheritdoc />
    public string Name => "trend";

    /// <inheritdoc />
    public IReadOnlyList<Finding> Run(InsightContext context)
    {
        var config = context.Config;
        var findings = new List<Finding>();
        foreach (var q in WatchedQueries.Discover(context.MetricNames(config.Window), config))
        {
            Dictionary<LabelSet, RangeSeries>? yesterday = null;
            foreach (var s in context.Range(q.Query, config.Window))
            {
                if (Analyze(q.Name, q.Kind, s, config.Window, config.TrendPValue, config.TrendMinChange, q.Query) is not { } f)
                {
                    continue;
                }
                yesterday ??= context.Range(Offset(q.Query, Day), config.Window)
                    .GroupBy(y => y.Labels.WithoutMetricName())
                    .ToDictionary(g => g.Key, g => g.First());
                if (yesterday.TryGetValue(s.Labels.WithoutMetricName(), out var y) && Seasonal(s, y, config.TrendPValue, config.TrendMinChange))
                {
                    continue;
                }
                findings.Add(f);
            }
        }
        return findings;
    }

    /// <summary>The season compared against: a day.</summary>
    internal static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary><paramref name="query"/> shifted back by <paramref name="by"/> (every selector gets the offset; the expression as written when it does not parse).</summary>
    internal static string Offset(string query, TimeSpan by)
    {
        try
        {
            var expr = Vigil.PromQL.Parser.PromQLParser.ParseExpr(query);
            Vigil.PromQL.Ast.AstWalker.Inspect(expr, (node, _) =>
            {
                if (node is Vigil.PromQL.Ast.VectorSelector v)
                {
                    v.OriginalOffset += (long)by.TotalMilliseconds;
                }
            });
            return expr.ToString();
        }
        catch (Vigil.PromQL.Parser.PromQLParseException)
        {
            return query;
        }
    }

    /// <summary>
    /// Whether the rise of <paramref name="today"/> is the season's: yesterday's series (<paramref name="yesterday"/>,
    /// evaluated a day back, on the same steps) covers most of the window, and today minus yesterday
    /// has no significant rise of at least <paramref name="minChange"/> of today's level.
    /// </summary>
    internal static bool Seasonal(RangeSeries today, RangeSeries yesterday, double pValue, double minChange)
    {
        var byTime = new Dictionary<double, double>();
        for (int i = 0; i < yesterday.Times.Length; i++)
        {
            if (double.IsFinite(yesterday.Values[i]))
            {
                byTime[yesterday.Times[i]] = yesterday.Values[i];
            }
        }
        var x = new List<double>();
        var d = new List<double>();
        var level = new List<double>();
        for (int i = 0; i < today.Times.Length; i++)
        {
            if (double.IsFinite(today.Values[i]) && byTime.TryGetValue(today.Times[i], out double y))
            {
                x.Add(today.Times[i] / 1000.0);
                d.Add(today.Values[i] - y);
                level.Add(today.Values[i]);
            }
        }
        // Note: yesterday must cover most of today's window, or the comparison says nothing.
        if (x.Count < Math.Max(MinPoints, today.Times.Length * 0.8))
        {
            return false;
        }
        var trend = Trend.TheilSen([.. x], [.. d]);
        if (!(trend.Slope > 0) || !(trend.PValue < pValue))
        {
            return true;
        }
        double rise = trend.Slope * (x[^1] - x[0]);
        double start = level[0];
        double scale = Math.Max(Math.Abs(start), Median([.. level]) * 0.5);
        return scale > 0 && rise / scale < minChange;
    }

    /// <summary>The finding for one series, or null when it has no significant rise.</summary>
    internal static Finding? Analyze(string name, string kind, RangeSeries s, TimeSpan window, double pValue, double minChange, string? query = null)
    {
        var (x, y) = Finite(s);
        if (x.Length < MinPoints)
        {
            return null;
        }
        for (int i = 0; i < x.Length; i++)
        {
            x[i] /= 1000.0;
        }
        var trend = Trend.TheilSen(x, y);
        if (!(trend.Slope > 0) || !(trend.PValue < pValue))
        {
            return null;
        }
        double span = x[^1] - x[0];
        double start = trend.Intercept + (trend.Slope * x[0]);
        double end = trend.Intercept + (trend.Slope * x[^1]);
        double level = Math.Max(Math.Abs(start), Median(y) * 0.5);
        double change = level > 0 ? (end - start) / level : double.PositiveInfinity;
        if (!(change >= minChange))
        {
            return null;
        }
        var severity = change >= 1 ? InsightSeverity.Critical : change >= 0.5 ? InsightSeverity.High : change >= 0.25 ? InsightSeverity.Medium : InsightSeverity.Low;
        var labels = s.Labels.WithoutMetricName();
        string what = labels.Count == 0 ? name : name + labels;
        var type = kind == WatchedQueries.Saturation ? InsightType.TrendIdentified : InsightType.PerformanceDegradation;
        string description = $"{kind} {what} rose {Percent(change)} over the last {InsightContext.Format(TimeSpan.FromSeconds(span))} " +
            $"(from {InsightContext.Format(start)} to {InsightContext.Format(end)}, Theil–Sen slope {InsightContext.Format(trend.Slope * 3600)}/h, " +
            $"Mann–Kendall p = {InsightContext.Format(trend.PValue)})";
        var component = Component(labels);
        var recommendation = kind switch
        {
            WatchedQueries.Latency => new OptimizationRecommendation
            {
                Type = OptimizationActionType.ScaleUp,
                Description = $"Latency of {component} is rising: check the bottleneck insights for the saturated resource and give it more capacity, or profile the slow path",
                ExpectedImpact = Math.Min(0.5, change / (1 + change)),
                ImplementationCost = ImplementationCost.Medium,
                Priority = 100 + (int)severity * 50,
                AffectedComponents = [component],
            },
            WatchedQueries.Errors => new OptimizationRecommendation
            {
                Type = OptimizationActionType.CodeOptimization,
                Description = $"Errors of {component} are rising: look at the failing operations and recent changes (deployments, configuration)",
                ExpectedImpact = Math.Min(0.9, change / (1 + change)),
                ImplementationCost = ImplementationCost.Medium,
                Priority = 150 + (int)severity * 50,
                AffectedComponents = [component],
            },
            // Note: a host's load (node_*) is about the machine behind an exporter, which is not scaled out.
            _ when name.StartsWith("node_", StringComparison.Ordinal) => new OptimizationRecommendation
            {
                Type = OptimizationActionType.ConfigurationUpdate,
                Description = $"Load of the host {component} reports on is rising: find the processes behind it (top, pidstat) before they saturate the machine; evidence: {name} rose {Percent(change)}, p = {InsightContext.Format(trend.PValue)}",
                ExpectedImpact = 0.25,
                ImplementationCost = ImplementationCost.Low,
                Priority = 80 + (int)severity * 50,
                AffectedComponents = [component],
            },
            _ => new OptimizationRecommendation
            {
                Type = OptimizationActionType.ScaleOut,
                Description = $"Saturation of {component} is rising: add capacity (instances, workers, pool size) before latency suffers",
                ExpectedImpact = 0.25,
                ImplementationCost = ImplementationCost.High,
                Priority = 80 + (int)severity * 50,
                AffectedComponents = [component],
            },
        };
        var signalLabels = labels.ToDictionary();
        signalLabels["kind"] = kind;
        signalLabels["series"] = name;
        return new Finding(
            $"{kind}/{name}{labels}",
            type,
            severity,
            description,
            signalLabels,
            [s.Labels.Has(LabelSet.MetricName) ? s.Labels : labels.With(LabelSet.MetricName, Sanitize(name))],
            1 - trend.PValue,
            new Dictionary<string, double>
            {
                ["slope_per_hour"] = trend.Slope * 3600,
                ["p_value"] = trend.PValue,
                ["kendall_tau"] = trend.Tau,
                ["relative_change"] = change,
                ["start"] = start,
                ["end"] = end,
                ["points"] = x.Length,
            },
            [recommendation],
            query is null ? null : [EvidenceQuery.For(name, query, labels)]);
    }

    /// <summary>The finite points of a series.</summary>
    internal static (double[] X, double[] Y) Finite(RangeSeries s)
    {
        var x = new List<double>(s.Times.Length);
        var y = new List<double>(s.Times.Length);
        for (int i = 0; i < s.Times.Length; i++)
        {
            if (double.IsFinite(s.Values[i]))
            {
                x.Add(s.Times[i]);
                y.Add(s.Values[i]);
            }
        }
        return ([.. x], [.. y]);
    }

    /// <summary>A short name of what the labels identify: the instance, job or the whole label set.</summary>
    internal static string Component(LabelSet labels)
    {
        string instance = labels.Get("instance");
        if (instance.Length > 0)
        {
            return instance;
        }
        string job = labels.Get("job");
        return job.Length > 0 ? job : labels.Count == 0 ? "the service" : labels.ToString();
    }

    private static string Percent(double change) => double.IsFinite(change) ? InsightContext.Format(change * 100) + " %" : "from zero";

    /// <summary>A metric-name-safe form of a description name (for series whose query dropped the name).</summary>
    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_' || chars[i] == ':'))
            {
                chars[i] = '_';
            }
        }
        return new string(chars);
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[(n / 2) - 1] + sorted[n / 2]);
    }
}
