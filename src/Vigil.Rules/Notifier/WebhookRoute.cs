namespace Vigil.Rules.Notifier;

/// <summary>
/// A generic webhook receiving Alertmanager's webhook payload, with Alertmanager's grouping (<see cref="GroupBy"/>,
/// <see cref="GroupWait"/>, <see cref="GroupInterval"/>, <see cref="RepeatInterval"/>), a severity filter, retries
/// with exponential backoff and a bounded outbox.
/// </summary>
public sealed record WebhookRoute
{
    /// <summary>The receiver name sent in the payload and used as the metrics' <c>receiver</c> label.</summary>
    public required string Name { get; init; }

    /// <summary>Where to POST.</summary>
    public required Uri Url { get; init; }

    /// <summary>Labels that group alerts into one notification; <c>...</c> groups by all labels. Default: <c>alertname</c>.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = ["alertname"];

    /// <summary>How long a new group waits for more alerts before its first notification; 30 s by default.</summary>
    public TimeSpan GroupWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait before notifying about changes in a group already notified; 5 min by default.</summary>
    public TimeSpan GroupInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long to wait before repeating an unchanged notification of firing alerts; 4 h by default.</summary>
    public TimeSpan RepeatInterval { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Only alerts whose <c>severity</c> label is one of these are routed here; empty routes all.</summary>
    public IReadOnlyList<string> Severities { get; init; } = [];

    /// <summary>Whether to notify when alerts resolve; true by default.</summary>
    public bool SendResolved { get; init; } = true;

    /// <summary>Delivery attempts per notification before it is dropped; 5 by default.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before the first retry, doubled per attempt; 1 s by default.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of the wait between retries; 30 s by default.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Notifications waiting for delivery; when full the oldest is dropped and counted. 100 by default.</summary>
    public int QueueCapacity { get; init; } = 100;

    /// <summary>Timeout of one POST; 10 seconds by default.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
