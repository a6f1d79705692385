using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Collection.Collectors.Dotnet;
using Vigil.Collection.Collectors.Postgres;
using Vigil.Collection.Collectors.Probe;
using Vigil.Collection.Collectors.Processes;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>All four collectors in one server, every target broken but one: each reports its own failure and the rest keep collecting.</summary>
public sealed class BuiltInCollectorsTests
{
    [Fact]
    public async Task Collect_BrokenTargets_EachReportsDownWhileHealthyOnesStore()
    {
        string closed = "127.0.0.1:" + Processes.FreePort().ToString(CultureInfo.InvariantCulture);
        string pgClosed = $"Host=127.0.0.1;Port={Processes.FreePort().ToString(CultureInfo.InvariantCulture)};Username=postgres";
        var fast = TimeSpan.FromMilliseconds(300);
        using var probe = new ProbeCollector([new ProbeCollectorOptions { Tcp = closed, Interval = fast, Timeout = fast }, new ProbeCollectorOptions { Dns = "localhost", Interval = fast, Timeout = fast }], NullLogger.Instance);
        using var postgres = new PostgresCollector([new PostgresCollectorOptions { ConnectionString = pgClosed, Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(2) }], NullLogger.Instance);
        using var dotnet = new DotnetCollector([new DotnetCollectorOptions { ProcessName = "vigil-no-such-app" }], NullLogger.Instance, fast);
        var process = new ProcessCollector([new ProcessCollectorOptions { Pids = [Environment.ProcessId], Group = "tests" }], NullLogger.Instance);
        await using var h = await CollectorHarness.StartAsync(probe, postgres, dotnet, process);
        await h.CollectUntilAsync(
            () => h.Value("probe_success", "target", closed) == 0 && h.Value("probe_success", "target", "localhost") == 1
                && h.Value("pg_up") == 0 && h.Value("dotnet_up", "process_name", "vigil-no-such-app") == 0,
            TimeSpan.FromSeconds(30),
            () => $"probe {h.Value("probe_success", "target", closed)}/{h.Value("probe_success", "target", "localhost")}, pg_up {h.Value("pg_up")}, dotnet_up {h.Value("dotnet_up")}");
        Assert.Equal(1, h.Value("namedprocess_namegroup_num_procs", "job", "vigil", "instance", "test-host", "groupname", "tests"));
        Assert.True(h.Value("namedprocess_namegroup_memory_bytes", "groupname", "tests", "memtype", "resident") > 1 << 20);
    }
}
