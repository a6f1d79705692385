using System.Globalization;
using System.Text.Json;
using Vigil.Cli.Demo;
using Vigil.Server.Tests.TestSupport;
using Xunit.Abstractions;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>The demo workload runs alone: its latencies are what the tests judge, and other tests' load would blur them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DemoWorkloadCollection
{
    public const string Name = "demo workload";
}

/// <summary>
/// The closed loop on a real workload, all real processes over HTTP: the demo service (a worker pool in front of a
/// downstream with four cores, and a cache) under a steady load, and <c>vigil serve</c> with the configuration
/// <c>vigil demo</c> generates, in short windows (baseline 10 s, settle 3 s, observation 10 s, step 1 s).
/// </summary>
/// <remarks>
/// Tolerances, and why: p99 is judged on windows of thousands of requests on a machine other builds share, so one
/// window's p99 can be off by tens of percent; the test therefore compares settings measured in alternating windows
/// (same machine load for both) and pools the windows of each. "Within 10 % of the best static setting" is asserted on
/// those pooled numbers. A setting the loop ends on that is the sweep's best is its best by definition.
/// </remarks>
[Collection(DemoWorkloadCollection.Name)]
public sealed class DemoWorkloadTests(ITestOutputHelper output) : IDisposable
{
    private static readonly int[] Sweep = [2, 3, 4, 6, 8, 16];
    private static readonly TimeSpan SweepSettle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SweepWindow = TimeSpan.FromSeconds(6);

    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "vigil-demo-test-" + Guid.NewGuid().ToString("N")[..8])).FullName;
    private readonly DemoSettings _settings = new()
    {
        Baseline = TimeSpan.FromSeconds(10),
        Settle = TimeSpan.FromSeconds(3),
        Observation = TimeSpan.FromSeconds(10),
    };

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task AutoMode_FromAPoorPoolSize_ReachesTheBestStaticP99_ThenRollsBackTheHarmfulShrinkWithItsEvidence()
    {
        await using var workload = await DemoWorkload.StartAsync(_dir, poolSize: 4, rate: _settings.Rate);

        // The best static setting: every pool size of the sweep in turn, p99 over the same window length.
        var sweep = new Dictionary<int, double>();
        foreach (int n in Sweep)
        {
            await workload.SetPoolSizeAsync(n);
            await Task.Delay(SweepSettle);
            sweep[n] = (await workload.MeasureAsync(SweepWindow)).P99;
        }
        int best = sweep.MinBy(kv => kv.Value).Key;
        string sweepText = string.Join(", ", sweep.Select(kv => $"{kv.Key}: {kv.Value * 1000:0.0} ms"));
        Log("sweep " + sweepText);
        Assert.True(sweep[2] > 3 * sweep[best], $"pool size 2 should be a poor setting: {sweepText}");

        // The loop, from the poor setting.
        await workload.SetPoolSizeAsync(2);
        var executions = await RunLoopAsync(workload, _settings, until: e => DemoRun.Finished(e, harmfulPolicy: true), TimeSpan.FromSeconds(200));
        string history = Describe(executions.Executions);
        long final = await workload.PoolSizeAsync();
        Log($"loop ended on {final}: {history}");

        // (a) Bounded: each grow doubles the pool, so from 2 to the bound of 64 there are at most five.
        var grows = executions.Executions.Where(e => e.Policy == "grow-pool" && e.AppliedAt is not null).ToList();
        Assert.InRange(grows.Count, 1, 5);
        Assert.Contains(grows, g => g.Status == "Completed");
        Assert.Contains(grows, g => g.Status == "RolledBack");
        Assert.True(final > 2, $"the loop left the pool at {final}: {history}");
        // Note: when the loop ends on the sweep's best setting, the sweep measured exactly that static setting.
        var ab = final == best ? (Final: sweep[best], Best: sweep[best]) : await CompareAsync(workload, (int)final, best);
        Log($"p99 at {final}: {ab.Final * 1000:0.0} ms; at {best}: {ab.Best * 1000:0.0} ms");
        Assert.True(ab.Final <= 1.10 * ab.Best,
            $"p99 with the loop's pool size {final}: {ab.Final * 1000:0.0} ms; best static ({best}): {ab.Best * 1000:0.0} ms; sweep {sweepText}; {history}");
        Assert.True(ab.Final < sweep[2] / 3, $"no real improvement over pool size 2: {ab.Final * 1000:0.0} ms vs {sweep[2] * 1000:0.0} ms");

        // (b) The cost policy's cut to a quarter was rolled back after one window, with its evidence in the API.
        var shrink = Assert.Single(executions.Executions, e => e.Policy == "save-workers");
        Assert.Equal("RolledBack", shrink.Status);
        Assert.Equal(final.ToString(CultureInfo.InvariantCulture), shrink.PreviousValue);
        Assert.Equal(Math.Max(1, (long)Math.Round(final * 0.25, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture), shrink.AppliedValue);
        var decidedAfter = shrink.EndTime!.Value - shrink.AppliedAt!.Value;
        Assert.True(decidedAfter >= _settings.Settle + _settings.Observation && decidedAfter < _settings.Settle + _settings.Observation + TimeSpan.FromSeconds(15),
            $"rolled back {decidedAfter} after the change; one window is {_settings.Settle + _settings.Observation}");
        using var doc = JsonDocument.Parse(executions.Json);
        var raw = doc.RootElement.GetProperty("data").GetProperty("executions").EnumerateArray().Single(e => e.GetProperty("id").GetString() == shrink.Id);
        var evidence = raw.GetProperty("evidence");
        Assert.False(evidence.GetProperty("keep").GetBoolean());
        Assert.StartsWith("guardrail p99_latency regressed: median ", evidence.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var p99 = evidence.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "p99_latency");
        Assert.Equal("Guardrail", p99.GetProperty("role").GetString());
        Assert.Equal("High", p99.GetProperty("classification").GetString());
        Assert.True(p99.GetProperty("pValue").GetDouble() < 0.02, p99.GetRawText());
        Assert.True(p99.GetProperty("effectSize").GetDouble() >= 0.3, p99.GetRawText());
        foreach (string window in new[] { "baseline", "observation" })
        {
            var stats = p99.GetProperty(window);
            Assert.True(stats.GetProperty("count").GetInt32() >= 5, stats.GetRawText());
            foreach (string s in new[] { "mean", "median", "stdDev", "min", "max" })
            {
                Assert.Equal(JsonValueKind.Number, stats.GetProperty(s).ValueKind);
            }
        }
        Assert.True(p99.GetProperty("observation").GetProperty("median").GetDouble() > 2 * p99.GetProperty("baseline").GetProperty("median").GetDouble(), p99.GetRawText());
        var workers = evidence.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "workers");
        Assert.Equal("Low", workers.GetProperty("classification").GetString());
        Assert.Equal(final, await workload.PoolSizeAsync());
    }

    [Fact]
    public async Task RecommendMode_ListsTheRecommendation_AndLeavesThePoolAlone()
    {
        await using var workload = await DemoWorkload.StartAsync(_dir, poolSize: 2, rate: 100);
        var settings = _settings with { Mode = "recommend", HarmfulPolicy = false };
        var run = await RunLoopAsync(workload, settings,
            until: e => e.Any(x => x.Policy == "grow-pool"), TimeSpan.FromSeconds(90), afterwards: async server =>
            {
                // Note: long enough for auto mode to have acted (a baseline window after the start, then one interval).
                await Task.Delay(settings.Baseline + TimeSpan.FromSeconds(3));
                var vigil = VigilProcess.Start(_dir, "optimize", "list", "--server", server.ToString());
                Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)));
                return vigil.Stdout;
            });
        var rec = Assert.Single(run.Executions, e => e.Policy == "grow-pool");
        Assert.Equal(("recommend", "Pending", "Proposed"), (rec.Mode, rec.Status, rec.Phase));
        Assert.Null(rec.AppliedAt);
        Assert.Null(rec.PreviousValue);
        Assert.Equal("factor=2", rec.Parameters);
        Assert.DoesNotContain(run.Executions, e => e.AppliedAt is not null);
        Assert.Equal(2, await workload.PoolSizeAsync());
        string list = run.Afterwards!;
        Assert.Contains("mode: recommend", list, StringComparison.Ordinal);
        Assert.Contains(list.Split('\n'), l => l.StartsWith(rec.ShortId, StringComparison.Ordinal) && l.Contains("Pending", StringComparison.Ordinal)
            && l.Contains("grow-pool", StringComparison.Ordinal) && l.Contains("demo/pool_size", StringComparison.Ordinal));
        var metrics = TextFormat.Parse(await new HttpClient().GetStringAsync(new Uri(workload.MetricsUrl, "metrics")));
        Assert.Equal(0, metrics.Single(s => s.Name == "vigil_tunable_changes_total" && s.Labels["tunable"] == "pool_size").Value);
    }

    [Fact]
    public async Task DemoCommand_CtrlC_StopsTheServiceTheLoadAndVigilServeCleanly()
    {
        using var demo = VigilProcess.Start(_dir, "demo", "--quick", "--dir", Path.Combine(_dir, "run"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        // Note: a recommendation is listed as soon as vigil serve has scraped and evaluated the cache rule once.
        while (!demo.Stdout.Contains("] recommended  grow-cache: CacheOptimization demo/cache_size", StringComparison.Ordinal))
        {
            Assert.False(demo.Process.HasExited, demo.Stdout + demo.Stderr);
            Assert.True(DateTime.UtcNow < deadline, "no recommendation within 120 s:\n" + demo.Stdout + demo.Stderr);
            await Task.Delay(200);
        }
        string header = demo.Stdout;
        var service = new Uri(header.Split('\n').Single(l => l.Contains("]   service  ", StringComparison.Ordinal)).Split("  service  ")[1].Split(' ')[0]);
        var vigil = new Uri(header.Split('\n').Single(l => l.Contains("]   vigil    ", StringComparison.Ordinal)).Split("  vigil    ")[1].Split(' ')[0]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("value of k1", await http.GetStringAsync(new Uri(service, "item/k1")));

        Signals.Send(demo.Process.Id, Signals.SigInt);
        Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Stopped by a signal; stopping the service, the load generator and vigil serve.", demo.Stdout, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri(service, "item/k1")));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri(vigil, "-/ready")));
        // vigil serve stopped cleanly: its data directory is unlocked and the generated files are kept (--dir).
        Assert.True(File.Exists(Path.Combine(_dir, "run", "vigil.yaml")));
        Assert.Contains("mode: auto", await File.ReadAllTextAsync(Path.Combine(_dir, "run", "vigil.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoCommand_HelpHasExamples_AndBadOptionsAreUsageErrors()
    {
        using var help = VigilProcess.Start(_dir, "demo", "--help");
        Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Examples:", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("vigil demo --quick", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("--observation", help.Stdout, StringComparison.Ordinal);

        using var bad = VigilProcess.Start(_dir, "demo", "--rate", "0", "--observation", "soon");
        Assert.Equal(2, await bad.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--rate: must be greater than 0 and at most 5000", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("--observation: ", bad.Stderr, StringComparison.Ordinal);
        Assert.Empty(bad.Stdout);
    }

    private void Log(string text) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds:0}s] {text}");

    private sealed record LoopResult(List<DemoExecution> Executions, string Json, string? Afterwards);

    /// <summary>Runs vigil serve with the demo's configuration until <paramref name="until"/> holds for the executions (polled every second).</summary>
    private async Task<LoopResult> RunLoopAsync(DemoWorkload workload, DemoSettings settings, Func<List<DemoExecution>, bool> until, TimeSpan timeout,
        Func<Uri, Task<string>>? afterwards = null)
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "demo-rules.yml"), settings.RulesYaml(2));
        await File.WriteAllTextAsync(Path.Combine(_dir, "vigil.yaml"), settings.VigilYaml(workload.MetricsHostPort, "demo-rules.yml", DemoWorkload.TokenFile));
        int port = Processes.FreePort();
        var server = new Uri($"http://127.0.0.1:{port}/");
        using var vigil = VigilProcess.Start(_dir, "serve", "--config", "vigil.yaml", "--listen", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--data-dir", "data-" + settings.Mode, "--log-level", "info");
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(90));
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string json = await http.GetStringAsync("api/v1/optimizations?limit=1000");
            using var doc = JsonDocument.Parse(json);
            var executions = doc.RootElement.GetProperty("data").GetProperty("executions").EnumerateArray().Select(DemoExecution.Parse).ToList();
            if (until(executions))
            {
                string? after = afterwards is null ? null : await afterwards(server);
                if (after is not null)
                {
                    json = await http.GetStringAsync("api/v1/optimizations?limit=1000");
                    using var again = JsonDocument.Parse(json);
                    executions = again.RootElement.GetProperty("data").GetProperty("executions").EnumerateArray().Select(DemoExecution.Parse).ToList();
                }
                Signals.Send(vigil.Process.Id, Signals.SigTerm);
                Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)));
                return new LoopResult(executions, json, after);
            }
            Assert.True(DateTime.UtcNow < deadline, $"the loop did not finish within {timeout}: {Describe(executions)}\n{vigil.Stderr}\n{workload.Output}");
            await Task.Delay(1000);
        }
    }

    /// <summary>p99 at the loop's setting and at the best static one, each pooled over two windows, alternating.</summary>
    private static async Task<(double Final, double Best)> CompareAsync(DemoWorkload workload, int final, int best)
    {
        var finalHist = new SortedDictionary<double, double>();
        var bestHist = new SortedDictionary<double, double>();
        for (int round = 0; round < 2; round++)
        {
            await Add(workload, final, finalHist);
            await Add(workload, best, bestHist);
        }
        await workload.SetPoolSizeAsync(final);
        return (DemoWorkload.Quantile(0.99, finalHist), DemoWorkload.Quantile(0.99, bestHist));
    }

    private static async Task Add(DemoWorkload workload, int n, SortedDictionary<double, double> into)
    {
        await workload.SetPoolSizeAsync(n);
        await Task.Delay(SweepSettle);
        var before = await workload.HistogramAsync();
        await Task.Delay(SweepWindow);
        foreach (var (le, count) in await workload.HistogramAsync())
        {
            into[le] = into.GetValueOrDefault(le) + count - before.GetValueOrDefault(le);
        }
    }

    private static string Describe(IEnumerable<DemoExecution> executions) => string.Join("; ", executions.Reverse().Select(e =>
        $"{e.Policy} {e.PreviousValue}->{e.AppliedValue} {e.Status} ({e.Reason ?? e.Error})"));
}
