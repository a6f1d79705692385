using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Collection.Collectors.Dotnet;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>Attaches the dotnet collector to a real child .NET process (tests/Vigil.Server.MeterChild) and reads what lands in the TSDB.</summary>
/// <summary>Runs apart from other tests that start MeterChild processes, since collectors find them by name.</summary>
[Collection(MeterChild.CollectionName)]
public sealed class DotnetCollectorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static DotnetCollector Collector(params DotnetCollectorOptions[] options)
        => new(options, NullLogger.Instance, TimeSpan.FromMilliseconds(300));

    private static DotnetCollectorOptions ByName() => new()
    {
        ProcessName = MeterChild.AppName,
        Meters = ["Vigil.Test.Orders"],
        RefreshInterval = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task Attach_ChildByName_RuntimeAndCustomMetricsStoredWithValues_ReattachedAfterRestart()
    {
        var first = await MeterChild.StartAsync();
        using var collector = Collector(ByName());
        await using var h = await CollectorHarness.StartAsync(collector);
        try
        {
            string[] p1 = ["process_name", MeterChild.AppName, "pid", first.PidText];
            await h.CollectUntilAsync(() => h.Value("dotnet_up", p1) == 1, Wait, () => "dotnet_up of the first child");

            await first.SendAsync("add 5");
            await first.SendAsync("observe 0.25");
            await first.SendAsync("observe 0.5");
            await first.SendAsync("depth 42");
            await h.CollectUntilAsync(
                () => h.Value("orders_placed_total", [.. p1, "region", "eu"]) == 5
                    && h.Value("orders_duration_seconds_count", p1) == 2
                    && h.Value("orders_queue_depth", p1) == 42
                    && h.Value("orders_processed_total", p1) == 1005
                    && h.Value("orders_active", p1) == 5,
                Wait,
                () => $"placed {h.Value("orders_placed_total", [.. p1, "region", "eu"])}, processed {h.Value("orders_processed_total", p1)}, active {h.Value("orders_active", p1)}, duration count {h.Value("orders_duration_seconds_count", p1)}, depth {h.Value("orders_queue_depth", p1)}");

            // The app's own meter: every instrument kind, with the labels a user queries by.
            Assert.Equal(5, h.Value("orders_placed_total", "job", "vigil", "instance", "test-host", "process_name", MeterChild.AppName, "pid", first.PidText, "region", "eu"));
            Assert.Equal(5, h.Value("orders_active", p1));
            Assert.Equal(1005, h.Value("orders_processed_total", p1));
            Assert.Equal(0.75, h.Value("orders_duration_seconds_sum", p1)!.Value, 9);
            // Note: the runtime publishes percentiles per interval; on a loaded machine the first ones can be NaN (no
            // observations in that interval yet), so wait for one that saw the observations.
            await h.CollectUntilAsync(
                () => h.Latest("orders_duration_seconds", [.. p1, "quantile", "0.99"]) is [var one] && h.Samples(one.Labels).Any(s => !double.IsNaN(s.V)),
                Wait,
                () => "a 0.99 quantile of orders_duration_seconds that is not NaN");
            var q99 = h.Latest("orders_duration_seconds", [.. p1, "quantile", "0.99"]);
            Assert.Single(q99);
            double maxQ99 = h.Samples(q99[0].Labels).Where(s => !double.IsNaN(s.V)).Max(s => s.V);
            Assert.Equal(0.5, maxQ99, 0.05);

            // The System.Runtime meter.
            Assert.Equal(Environment.ProcessorCount, h.Value("dotnet_process_cpu_count", p1));
            Assert.True(h.Value("dotnet_process_cpu_time_seconds_total", [.. p1, "cpu_mode", "user"]) > 0);
            Assert.True(h.Value("dotnet_gc_heap_total_allocated_bytes_total", p1) > 0);
            Assert.True(h.Value("dotnet_assembly_count", p1) > 5);
            Assert.True(h.Value("dotnet_process_memory_working_set_bytes", p1) > 1 << 20);

            // Kill it: its series go stale and the name reports down.
            await first.KillAsync();
            await h.CollectUntilAsync(
                () => h.Latest("dotnet_up", "process_name", MeterChild.AppName) is [var only] && only.Labels.Get("pid").Length == 0 && only.Value == 0,
                Wait,
                () => string.Join("; ", h.Latest("dotnet_up").Select(s => $"{s.Labels} {s.Value}")));
            Assert.Empty(h.Latest("orders_placed_total", "pid", first.PidText));

            // Restart it: attached again under the new pid, counting from the new process's values.
            using var second = await MeterChild.StartAsync();
            string[] p2 = ["process_name", MeterChild.AppName, "pid", second.PidText];
            await h.CollectUntilAsync(() => h.Value("dotnet_up", p2) == 1, Wait, () => "dotnet_up of the restarted child");
            await second.SendAsync("add 3");
            // Note: each instrument's value arrives in its own event, so one collection can hold the new counter but
            // not yet the observable one: wait for both.
            await h.CollectUntilAsync(
                () => h.Value("orders_placed_total", [.. p2, "region", "eu"]) == 3 && h.Value("orders_processed_total", p2) == 1003,
                Wait,
                () => $"placed {h.Value("orders_placed_total", [.. p2, "region", "eu"])}, processed {h.Value("orders_processed_total", p2)}");
            Assert.Equal(1003, h.Value("orders_processed_total", p2));
            Assert.DoesNotContain(h.Latest("dotnet_up", "process_name", MeterChild.AppName), s => s.Labels.Get("pid").Length == 0);
        }
        finally
        {
            first.Dispose();
        }
    }

    [Fact]
    public async Task Attach_NonDotnetProcessAndMissingName_ReportDownWithoutBreakingCollection()
    {
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            string pid = sleeper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var collector = Collector(new DotnetCollectorOptions { Pid = sleeper.Id }, new DotnetCollectorOptions { ProcessName = "vigil-no-such-app" });
            await collector.DiscoverAsync(CancellationToken.None);
            var app = new CapturingAppender();
            collector.Collect(app, 1_000);
            Assert.Equal(0, app.Value("dotnet_up", "pid", pid, "process_name", "sleep"));
            Assert.Equal(0, app.Value("dotnet_up", "process_name", "vigil-no-such-app"));
            Assert.Equal(2, app.Samples.Count);
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Theory]
    [InlineData(null, null, "collectors.dotnet[0]: one of process_name or pid is required")]
    [InlineData("app", 12, "collectors.dotnet[0]: set only one of process_name or pid")]
    [InlineData(null, -1, "collectors.dotnet[0]: pid: must be a positive process id")]
    public void Constructor_InvalidEntry_NamesEntryAndKey(string? name, int? pid, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Collector(new DotnetCollectorOptions { ProcessName = name, Pid = pid }));
        Assert.StartsWith(expected, ex.Message);
    }

    [Fact]
    public void Constructor_MeterListWithSeparator_Fails()
    {
        var ex = Assert.Throws<ArgumentException>(() => Collector(new DotnetCollectorOptions { ProcessName = "app", Meters = ["A;B"] }));
        Assert.StartsWith("collectors.dotnet[0]: meters: \"A;B\" is not a meter name", ex.Message);
    }
}
