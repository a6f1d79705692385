using Vigil.Collection.Collectors;
using Vigil.Collection.Collectors.Dotnet;
using Vigil.Collection.Collectors.Postgres;
using Vigil.Collection.Collectors.Probe;
using Vigil.Collection.Collectors.Processes;

namespace Vigil.Server.Config;

/// <summary>Maps the <c>collectors:</c> section onto <see cref="CollectorsConfig"/> and each collector's options.</summary>
internal static class CollectorsConfigParser
{
    public static CollectorsConfig Parse(ConfigReader r, ConfigEntry section)
    {
        var defaults = new CollectorsConfig();
        var interval = defaults.Interval;
        bool host = defaults.Host, self = defaults.Self;
        var dotnet = new List<DotnetCollectorOptions>();
        var postgres = new List<PostgresCollectorOptions>();
        var probe = new List<ProbeCollectorOptions>();
        var process = new List<ProcessCollectorOptions>();
        bool intervalSet = false;
        var fingerprint = new System.Text.StringBuilder();
        foreach (var e in r.Mapping(section.Value, section.Key))
        {
            if (e.Key != "interval")
            {
                fingerprint.Append(e.Key).Append('=').Append(ScrapeConfigParser.Canonical(e.Value)).Append(';');
            }
            switch (e.Key)
            {
                case "interval":
                    interval = r.PositiveDuration(e) ?? interval;
                    intervalSet = true;
                    break;
                case "host":
                    host = Enabled(r, e);
                    break;
                case "self":
                    self = Enabled(r, e);
                    break;
                case "dotnet":
                    ParseList(r, e, dotnet, ParseDotnet, o => o.Validate());
                    break;
                case "postgres":
                    ParseList(r, e, postgres, ParsePostgres, o => o.Validate());
                    break;
                case "probe":
                    ParseList(r, e, probe, ParseProbe, o => o.Validate());
                    break;
                case "process":
                    ParseList(r, e, process, ParseProcess, o => o.Validate());
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new CollectorsConfig
        {
            Interval = interval,
            Host = host,
            Self = self,
            Dotnet = dotnet,
            Postgres = postgres,
            Probe = probe,
            Process = process,
            IntervalSet = intervalSet,
            Fingerprint = fingerprint.ToString(),
        };
    }

    private static void ParseList<T>(ConfigReader r, ConfigEntry list, List<T> into, Func<ConfigReader, List<ConfigEntry>, T> parse, Func<T, string?> validate)
    {
        foreach (var (node, where) in r.Sequence(list))
        {
            var item = parse(r, r.Mapping(node, where));
            if (validate(item) is { } problem)
            {
                r.Error(node, $"{where}: {problem}");
                continue;
            }
            into.Add(item);
        }
    }

    private static List<int> Ints(ConfigReader r, ConfigEntry e)
    {
        var result = new List<int>();
        foreach (var s in r.StringList(e))
        {
            if (int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v))
            {
                result.Add(v);
            }
            else
            {
                r.Invalid(e, $"\"{s}\" is not an integer");
            }
        }
        return result;
    }

    private static DotnetCollectorOptions ParseDotnet(ConfigReader r, List<ConfigEntry> entries)
    {
        var o = new DotnetCollectorOptions();
        foreach (var e in entries)
        {
            switch (e.Key)
            {
                case "process_name": o.ProcessName = r.String(e); break;
                case "pid": o.Pid = r.NonNegativeInteger(e) is { } pid ? (int)pid : null; break;
                case "meters": o.Meters = r.StringList(e); break;
                case "refresh_interval": o.RefreshInterval = r.Duration(e) ?? o.RefreshInterval; break;
                default: r.UnknownKey(e); break;
            }
        }
        return o;
    }

    private static PostgresCollectorOptions ParsePostgres(ConfigReader r, List<ConfigEntry> entries)
    {
        var o = new PostgresCollectorOptions();
        foreach (var e in entries)
        {
            switch (e.Key)
            {
                case "connection_string": o.ConnectionString = r.String(e); break;
                case "statements": o.Statements = r.Bool(e) ?? o.Statements; break;
                case "statements_limit": o.StatementsLimit = r.NonNegativeInteger(e) is { } n ? (int)n : o.StatementsLimit; break;
                case "tables": o.Tables = r.Bool(e) ?? o.Tables; break;
                case "interval": o.Interval = r.Duration(e) ?? o.Interval; break;
                case "timeout": o.Timeout = r.Duration(e) ?? o.Timeout; break;
                default: r.UnknownKey(e); break;
            }
        }
        return o;
    }

    private static ProbeCollectorOptions ParseProbe(ConfigReader r, List<ConfigEntry> entries)
    {
        var o = new ProbeCollectorOptions();
        foreach (var e in entries)
        {
            switch (e.Key)
            {
                case "tcp": o.Tcp = r.String(e); break;
                case "http": o.Http = r.String(e); break;
                case "dns": o.Dns = r.String(e); break;
                case "interval": o.Interval = r.Duration(e) ?? o.Interval; break;
                case "timeout": o.Timeout = r.Duration(e) ?? o.Timeout; break;
                case "valid_status_codes": o.ValidStatusCodes = Ints(r, e); break;
                case "insecure_skip_verify": o.InsecureSkipVerify = r.Bool(e) ?? o.InsecureSkipVerify; break;
                case "ca_file": o.CaFile = r.ExistingFile(e); break;
                case "buckets":
                    o.Buckets = r.StringList(e).Select(s => double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) ? d : double.NaN).ToList();
                    if (o.Buckets.Any(double.IsNaN))
                    {
                        r.Invalid(e, "every bucket must be a number");
                    }
                    break;
                default: r.UnknownKey(e); break;
            }
        }
        return o;
    }

    private static ProcessCollectorOptions ParseProcess(ConfigReader r, List<ConfigEntry> entries)
    {
        var o = new ProcessCollectorOptions();
        foreach (var e in entries)
        {
            switch (e.Key)
            {
                case "names": o.Names = r.StringList(e); break;
                case "pids": o.Pids = Ints(r, e); break;
                case "group": o.Group = r.String(e); break;
                default: r.UnknownKey(e); break;
            }
        }
        return o;
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
