using Vigil.Collection.Collectors.Dotnet;
using Vigil.Collection.Collectors.Postgres;
using Vigil.Collection.Collectors.Probe;
using Vigil.Collection.Collectors.Processes;

namespace Vigil.Collection.Collectors;

/// <summary>The <c>collectors:</c> section: which built-in collectors run and how often.</summary>
/// <remarks>
/// <code>
/// collectors:
///   interval: 5s
///   host: { enabled: true }
///   self: { enabled: true }
///   dotnet: [{ process_name: myapp, meters: [MyApp.Orders] }]
///   postgres: [{ connection_string: "Host=db;Username=monitor;Password=...", statements: true }]
///   probe: [{ http: https://example.com/health }, { tcp: "db:5432" }, { dns: example.com }]
///   process: [{ names: [nginx, postgres] }]
/// </code>
/// </remarks>
public sealed record CollectorsConfig
{
    /// <summary>How often the built-in collectors run; 5s by default.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether host statistics (node_exporter's metrics) are collected; on by default.</summary>
    public bool Host { get; init; } = true;

    /// <summary>Whether Vigil's own metrics are stored; on by default.</summary>
    public bool Self { get; init; } = true;

    /// <summary>.NET processes to attach to over EventPipe.</summary>
    public IReadOnlyList<DotnetCollectorOptions> Dotnet { get; init; } = [];

    /// <summary>PostgreSQL servers to query.</summary>
    public IReadOnlyList<PostgresCollectorOptions> Postgres { get; init; } = [];

    /// <summary>Network probes (TCP, HTTP(S), DNS).</summary>
    public IReadOnlyList<ProbeCollectorOptions> Probe { get; init; } = [];

    /// <summary>Process groups to watch.</summary>
    public IReadOnlyList<ProcessCollectorOptions> Process { get; init; } = [];

    /// <summary>Whether the file set <c>interval</c> (otherwise the seed's <c>performance_collection.collection_interval</c> may).</summary>
    internal bool IntervalSet { get; init; }

    /// <summary>The section as written without its interval: equal fingerprints run the same collectors (a reload keeps them).</summary>
    internal string Fingerprint { get; init; } = string.Empty;

    /// <summary>A copy with another interval.</summary>
    internal CollectorsConfig WithInterval(TimeSpan interval) => new()
    {
        Interval = interval,
        Host = Host,
        Self = Self,
        Dotnet = Dotnet,
        Postgres = Postgres,
        Probe = Probe,
        Process = Process,
        IntervalSet = IntervalSet,
        Fingerprint = Fingerprint,
    };
}
