using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Collection.Collectors;
using Vigil.Collection.Collectors.Processes;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>Runs apart from other tests that start MeterChild processes, since collectors find them by name.</summary>
[Collection(MeterChild.CollectionName)]
public sealed class ProcessCollectorTests
{
    private const string P = "namedprocess_namegroup_";

    private static CapturingAppender CollectOnce(ProcessCollector c)
    {
        var app = new CapturingAppender();
        c.Collect(app, 1_000);
        return app;
    }

    private static double StatusField(int pid, string field)
    {
        foreach (var line in File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return double.Parse(line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException(field);
    }

    [Fact]
    public async Task Collect_ChildByName_ReportsResourcesAndCountersFollowItsWork()
    {
        using var child = await MeterChild.StartAsync();
        var c = new ProcessCollector([new ProcessCollectorOptions { Names = [MeterChild.AppName] }], NullLogger.Instance);
        string[] g = ["groupname", MeterChild.AppName];

        var before = CollectOnce(c);
        Assert.Equal(1, before.Value(P + "num_procs", g));
        double rssKb = StatusField(child.Pid, "VmRSS");
        Assert.InRange(before.Value(P + "memory_bytes", [.. g, "memtype", "resident"]), (rssKb - 20_000) * 1024, (rssKb + 20_000) * 1024);
        Assert.True(before.Value(P + "memory_bytes", [.. g, "memtype", "virtual"]) > before.Value(P + "memory_bytes", [.. g, "memtype", "resident"]));
        Assert.Equal(StatusField(child.Pid, "Threads"), before.Value(P + "num_threads", g), 3.0);
        double started = new DateTimeOffset(System.Diagnostics.Process.GetProcessById(child.Pid).StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        Assert.Equal(started, before.Value(P + "oldest_start_time_seconds", g), 2.0);
        Assert.Equal(1, before.Find(P + "states", g).Sum(s => s.V));
        Assert.InRange(before.Value(P + "worst_fd_ratio", g), 1e-6, 1);

        await child.SendAsync("burn 700");
        await child.SendAsync("write 4194304");
        await child.SendAsync("files 10");
        await child.SendAsync("threads 5");
        var after = CollectOnce(c);

        double Cpu(CapturingAppender a) => a.Value(P + "cpu_seconds_total", [.. g, "mode", "user"]) + a.Value(P + "cpu_seconds_total", [.. g, "mode", "system"]);
        Assert.InRange(Cpu(after) - Cpu(before), 0.6, 30);
        Assert.InRange(after.Value(P + "write_bytes_total", g) - before.Value(P + "write_bytes_total", g), 4194304, 64 << 20);
        Assert.InRange(after.Value(P + "open_filedesc", g) - before.Value(P + "open_filedesc", g), 10, 14);
        Assert.InRange(after.Value(P + "num_threads", g) - before.Value(P + "num_threads", g), 5, 8);
        Assert.True(after.Value(P + "minor_page_faults_total", g) >= before.Value(P + "minor_page_faults_total", g));
        Assert.True(after.Value(P + "context_switches_total", [.. g, "ctxswitchtype", "voluntary"]) > before.Value(P + "context_switches_total", [.. g, "ctxswitchtype", "voluntary"]));

        await child.KillAsync();
        var gone = CollectOnce(c);
        Assert.Equal(0, gone.Value(P + "num_procs", g));
        Assert.Equal(0, gone.Value(P + "memory_bytes", [.. g, "memtype", "resident"]));
        Assert.Equal(Cpu(after), Cpu(gone), 1e-9); // counters keep what the group used
        Assert.Empty(gone.Find(P + "oldest_start_time_seconds", g));
    }

    [Fact]
    public async Task Collect_PidWithGroup_FirstMatchingEntryWinsAndNamesWithoutProcessReportZero()
    {
        using var child = await MeterChild.StartAsync();
        var c = new ProcessCollector(
        [
            new ProcessCollectorOptions { Pids = [child.Pid], Group = "billing" },
            new ProcessCollectorOptions { Names = [MeterChild.AppName, "vigil-no-such-process"] },
        ], NullLogger.Instance);
        var app = CollectOnce(c);
        Assert.Equal(1, app.Value(P + "num_procs", "groupname", "billing"));
        Assert.Equal(0, app.Value(P + "num_procs", "groupname", MeterChild.AppName));
        Assert.Equal(0, app.Value(P + "num_procs", "groupname", "vigil-no-such-process"));
        Assert.Equal(0, app.Value(P + "cpu_seconds_total", "groupname", "vigil-no-such-process", "mode", "user"));
        Assert.True(app.Value(P + "cpu_seconds_total", "groupname", "billing", "mode", "user") > 0);
    }

    [Fact]
    public async Task Collect_PidWithoutGroup_GroupIsTheApplicationName()
    {
        using var child = await MeterChild.StartAsync();
        var c = new ProcessCollector([new ProcessCollectorOptions { Pids = [child.Pid, int.MaxValue - 1] }], NullLogger.Instance);
        var app = CollectOnce(c);
        Assert.Equal(1, app.Value(P + "num_procs", "groupname", MeterChild.AppName));
        Assert.Single(app.Find(P + "num_procs"));
    }

    [Theory]
    [InlineData(new string[0], new int[0], null, "collectors.process[0]: names or pids is required")]
    [InlineData(new[] { "a/b" }, new int[0], null, "collectors.process[0]: names: \"a/b\" is not a process name")]
    [InlineData(new string[0], new[] { -3 }, null, "collectors.process[0]: pids: -3 is not a process id")]
    [InlineData(new[] { "x" }, new int[0], "", "collectors.process[0]: group: must not be empty")]
    public void Constructor_InvalidEntry_NamesEntryAndKey(string[] names, int[] pids, string? group, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ProcessCollector([new ProcessCollectorOptions { Names = [.. names], Pids = [.. pids], Group = group }], NullLogger.Instance));
        Assert.StartsWith(expected, ex.Message);
    }

    [Fact]
    public void ProcessNames_DotnetHost_AppNameFirstThenHostAndComm()
    {
        Assert.Equal(["Shop.Api", "dotnet"], ProcessNames.Of("dotnet", "/usr/bin/dotnet\0exec\0/srv/shop/Shop.Api.dll\0--urls\0http://x\0"));
        Assert.Equal(["nginx"], ProcessNames.Of("nginx", "/usr/sbin/nginx\0-g\0daemon off;\0"));
        Assert.Equal(["python3", "myjob"], ProcessNames.Of("myjob", "/usr/bin/python3\0job.py\0"));
        Assert.Equal(["kworker/0:1"], ProcessNames.Of("kworker/0:1", string.Empty));
    }

    [Fact]
    public void ProcessNames_LongNameMatchesTruncatedComm()
    {
        string[] names = ProcessNames.Of("Vigil.Server.Me", string.Empty);
        Assert.True(ProcessNames.Matches(names, "Vigil.Server.MeterChild", "Vigil.Server.Me"));
        Assert.False(ProcessNames.Matches(names, "Vigil.Server.Other", "Vigil.Server.Me"));
        Assert.False(ProcessNames.Matches(names, "Vigil", "Vigil.Server.Me"));
    }
}
