using Vigil.Core.Labels;

namespace Vigil.Rules;

/// <summary>What the rule manager loads and how it evaluates: the <c>rule_files</c> and <c>global</c> parts of the configuration.</summary>
public sealed record RuleManagerOptions
{
    /// <summary>Rule file paths or globs (<c>rules/*.yml</c>); relative ones are resolved against <see cref="BaseDirectory"/>.</summary>
    public IReadOnlyList<string> RuleFiles { get; init; } = [];

    /// <summary>Groups built in code (the seed's <c>alert_thresholds</c> and <c>aggregation_rules</c>), evaluated like file groups.</summary>
    public IReadOnlyList<RuleGroupSpec> ExtraGroups { get; init; } = [];

    /// <summary>The directory relative rule file paths are resolved against; the current directory when null.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>The interval of groups that do not set their own; 1 minute by default.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The query offset of groups that do not set their own; 0 by default.</summary>
    public TimeSpan QueryOffset { get; init; } = TimeSpan.Zero;

    /// <summary>Labels identifying this server, available to templates as <c>$externalLabels</c> and added to notifications.</summary>
    public LabelSet ExternalLabels { get; init; } = LabelSet.Empty;

    /// <summary>The URL users reach this server at, for <c>$externalURL</c> and alerts' generator URLs.</summary>
    public string ExternalUrl { get; init; } = string.Empty;

    /// <summary>How long an outage may last for <c>for</c> state to still be restored; 1 hour by default.</summary>
    public TimeSpan OutageTolerance { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The minimum time between a restart and a restored alert firing; 0 by default so a restored alert fires as soon as
    /// its <c>for</c> has elapsed (Prometheus defaults to 10 minutes and skips alerts whose <c>for</c> is shorter).
    /// </summary>
    public TimeSpan ForGracePeriod { get; init; } = TimeSpan.Zero;

    /// <summary>How often a still-firing alert is sent again; 1 minute by default.</summary>
    public TimeSpan ResendDelay { get; init; } = TimeSpan.FromMinutes(1);
}
