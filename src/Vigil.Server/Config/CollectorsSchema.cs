using System.Globalization;
using System.Text;
using Vigil.Collection.Collectors;
using Vigil.Collection.Collectors.Dotnet;
using Vigil.Collection.Collectors.Postgres;
using Vigil.Collection.Collectors.Probe;
using Vigil.Collection.Collectors.Processes;
using Vigil.Server.Config.Binding;
using YamlDotNet.RepresentationModel;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>
/// The <c>collectors:</c> section's keys, declared onto <see cref="CollectorsConfig"/> and each built-in collector's
/// options; every collector entry is then checked by its own options' <c>Validate()</c>.
/// </summary>
internal static class CollectorsSchema
{
    /// <summary><c>host: { enabled: false }</c>.</summary>
    private sealed record Switch(bool Enabled);

    private static readonly ConfigValue<bool> Enabled = (ConfigReader r, ConfigEntry e, out bool value) =>
    {
        value = new ConfigSchema<Switch>().Key("enabled", Bool, (o, v) => o with { Enabled = v }).Bind(r, e, new Switch(true))!.Enabled;
        return true;
    };

    private static readonly ConfigValue<List<int>> Ints = (ConfigReader r, ConfigEntry e, out List<int> value) =>
    {
        value = new List<int>();
        foreach (var s in r.StringList(e))
        {
            if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            {
                value.Add(v);
            }
            else
            {
                r.Invalid(e, $"\"{s}\" is not an integer");
            }
        }
        return true;
    };

    private static readonly ConfigSchema<DotnetCollectorOptions> Dotnet = new ConfigSchema<DotnetCollectorOptions>()
        .Custom("process_name", (r, e, o) => Set(o, x => x.ProcessName = r.String(e)))
        .Custom("pid", (r, e, o) => Set(o, x => x.Pid = r.NonNegativeInteger(e) is { } pid ? (int)pid : null))
        .Key("meters", StringList, (o, v) => Set(o, x => x.Meters = v))
        .Key("refresh_interval", Duration, (o, v) => Set(o, x => x.RefreshInterval = v));

    private static readonly ConfigSchema<PostgresCollectorOptions> Postgres = new ConfigSchema<PostgresCollectorOptions>()
        .Custom("connection_string", (r, e, o) => Set(o, x => x.ConnectionString = r.String(e)))
        .Key("statements", Bool, (o, v) => Set(o, x => x.Statements = v))
        .Key("statements_limit", NonNegativeInteger, (o, v) => Set(o, x => x.StatementsLimit = (int)v))
        .Key("tables", Bool, (o, v) => Set(o, x => x.Tables = v))
        .Key("interval", Duration, (o, v) => Set(o, x => x.Interval = v))
        .Key("timeout", Duration, (o, v) => Set(o, x => x.Timeout = v));

    private static readonly ConfigSchema<ProbeCollectorOptions> Probe = new ConfigSchema<ProbeCollectorOptions>()
        .Custom("tcp", (r, e, o) => Set(o, x => x.Tcp = r.String(e)))
        .Custom("http", (r, e, o) => Set(o, x => x.Http = r.String(e)))
        .Custom("dns", (r, e, o) => Set(o, x => x.Dns = r.String(e)))
        .Key("interval", Duration, (o, v) => Set(o, x => x.Interval = v))
        .Key("timeout", Duration, (o, v) => Set(o, x => x.Timeout = v))
        .Key("valid_status_codes", Ints, (o, v) => Set(o, x => x.ValidStatusCodes = v))
        .Key("insecure_skip_verify", Bool, (o, v) => Set(o, x => x.InsecureSkipVerify = v))
        .Custom("ca_file", (r, e, o) => Set(o, x => x.CaFile = r.ExistingFile(e)))
        .Custom("buckets", (r, e, o) =>
        {
            var buckets = r.StringList(e).Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN).ToList();
            if (buckets.Any(double.IsNaN))
            {
                r.Invalid(e, "every bucket must be a number");
            }
            return Set(o, x => x.Buckets = buckets);
        });

    private static readonly ConfigSchema<ProcessCollectorOptions> Process = new ConfigSchema<ProcessCollectorOptions>()
        .Key("names", StringList, (o, v) => Set(o, x => x.Names = v))
        .Key("pids", Ints, (o, v) => Set(o, x => x.Pids = v))
        .Custom("group", (r, e, o) => Set(o, x => x.Group = r.String(e)));

    /// <summary>The section's keys.</summary>
    public static readonly ConfigSchema<CollectorsConfig> Root = new ConfigSchema<CollectorsConfig>()
        .Custom("interval", (r, e, o) => o with { Interval = r.PositiveDuration(e) ?? o.Interval, IntervalSet = true })
        .Key("host", Enabled, (o, v) => o with { Host = v })
        .Key("self", Enabled, (o, v) => o with { Self = v })
        .Key("dotnet", ListOf(Validated(Dotnet, () => new DotnetCollectorOptions(), o => o.Validate())), (o, v) => o with { Dotnet = v })
        .Key("postgres", ListOf(Validated(Postgres, () => new PostgresCollectorOptions(), o => o.Validate())), (o, v) => o with { Postgres = v })
        .Key("probe", ListOf(Validated(Probe, () => new ProbeCollectorOptions(), o => o.Validate())), (o, v) => o with { Probe = v })
        .Key("process", ListOf(Validated(Process, () => new ProcessCollectorOptions(), o => o.Validate())), (o, v) => o with { Process = v })
        .Finish(b =>
        {
            // Note: the fingerprint tells a reload whether the collectors must restart (an interval change alone need not).
            var fingerprint = new StringBuilder();
            foreach (var e in b.Entries.Where(e => e.Key != "interval"))
            {
                fingerprint.Append(e.Key).Append('=').Append(ScrapeSchema.Canonical(e.Value)).Append(';');
            }
            return b.Value with { Fingerprint = fingerprint.ToString() };
        });

    /// <summary>Reads the section; problems are recorded in <paramref name="r"/>.</summary>
    public static CollectorsConfig Parse(ConfigReader r, ConfigEntry section) => Root.Bind(r, section.Value, section.Key, new CollectorsConfig())!;

    /// <summary>A collector's entry, checked by its options' own validation (reported as <c>path: problem</c>).</summary>
    private static ConfigItem<T> Validated<T>(ConfigSchema<T> schema, Func<T> initial, Func<T, string?> validate)
        where T : class => (ConfigReader r, YamlNode node, string where, out T value) =>
        {
            value = schema.Bind(r, node, where, initial())!;
            if (validate(value) is { } problem)
            {
                r.Error(node, $"{where}: {problem}");
                return false;
            }
            return true;
        };

    private static T Set<T>(T options, Action<T> set)
    {
        set(options);
        return options;
    }
}
