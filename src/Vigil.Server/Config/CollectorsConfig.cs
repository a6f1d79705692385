namespace Vigil.Server.Config;

/// <summary>The <c>collectors:</c> section: which built-in collectors run and how often.</summary>
/// <remarks>
/// <code>
/// collectors:
///   interval: 5s
///   host: { enabled: true }
///   self: { enabled: true }
/// </code>
/// </remarks>
public sealed class CollectorsConfig
{
    /// <summary>How often the built-in collectors run; 5s by default.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether host statistics (node_exporter's metrics) are collected; on by default.</summary>
    public bool Host { get; init; } = true;

    /// <summary>Whether Vigil's own metrics are stored; on by default.</summary>
    public bool Self { get; init; } = true;

    internal static CollectorsConfig Parse(ConfigReader r, ConfigEntry section)
    {
        var defaults = new CollectorsConfig();
        var interval = defaults.Interval;
        bool host = defaults.Host, self = defaults.Self;
        foreach (var e in r.Mapping(section.Value, section.Key))
        {
            switch (e.Key)
            {
                case "interval":
                    interval = GlobalConfig.PositiveDuration(r, e) ?? interval;
                    break;
                case "host":
                    host = Enabled(r, e);
                    break;
                case "self":
                    self = Enabled(r, e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new CollectorsConfig { Interval = interval, Host = host, Self = self };
    }

    /// <summary>A collector block with only <c>enabled</c> (true when absent).</summary>
    private static bool Enabled(ConfigReader r, ConfigEntry section)
    {
        bool enabled = true;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            if (e.Key == "enabled")
            {
                enabled = r.Bool(e) ?? enabled;
            }
            else
            {
                r.UnknownKey(e);
            }
        }
        return enabled;
    }
}
