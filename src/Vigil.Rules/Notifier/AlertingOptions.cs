using Vigil.Core.Labels;

namespace Vigil.Rules.Notifier;

/// <summary>Where alerts go: the <c>alerting</c> section of the configuration.</summary>
public sealed record AlertingOptions
{
    /// <summary>Alertmanagers receiving every alert.</summary>
    public IReadOnlyList<AlertmanagerTarget> Alertmanagers { get; init; } = [];

    /// <summary>Webhooks receiving grouped notifications.</summary>
    public IReadOnlyList<WebhookRoute> Webhooks { get; init; } = [];

    /// <summary>Alerts waiting per Alertmanager; when full the oldest are dropped and counted. 10,000 by default.</summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary>Alerts per POST to an Alertmanager; 64 by default.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>Labels added to every alert that does not have them (the server's external labels).</summary>
    public LabelSet ExternalLabels { get; init; } = LabelSet.Empty;

    /// <summary>The server's URL, sent as <c>externalURL</c> in webhook payloads.</summary>
    public string ExternalUrl { get; init; } = string.Empty;

    /// <summary>Wait before the first retry of a failed Alertmanager POST, doubled per attempt up to 30 s; 1 s by default.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromSeconds(1);
}
