namespace Vigil.Rules.Notifier;

/// <summary>An Alertmanager to send alerts to through its v2 API (<c>POST {Url}/api/v2/alerts</c>).</summary>
public sealed record AlertmanagerTarget
{
    /// <summary>The Alertmanager's base URL, e.g. <c>http://127.0.0.1:9093</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>Timeout of one POST; 10 seconds by default.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
