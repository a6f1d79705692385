using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Analysis.Insights;
using Vigil.Tsdb;

namespace Vigil.Bench;

/// <summary>
/// <c>vigil bench analysis</c>: the server's analysis over the embedded TSDB at scale. Node-exporter-like series (a
/// history of <c>history</c> steps first) receive one sample each per interval; after each, the anomaly scorer runs
/// as in <c>vigil serve</c> and its process CPU time is measured; the insight engines run once a minute of simulated
/// time. The share of one core is CPU time over the interval.
/// </summary>
internal sealed class AnalysisBench(int series, TimeSpan interval, int evaluations, int history, string detector, string workDir)
{
    public JsonObject Run(Action<string> progress)
    {
        var data = new SyntheticNodeData(series);
        var specs = data.Series;
        var generators = specs.Select(s => s.CreateGenerator()).ToArray();
        long step = (long)interval.TotalMilliseconds;
        var clock = new BenchClock(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        long t0 = clock.Now.ToUnixTimeMilliseconds() - (history * step);
        Directory.CreateDirectory(workDir);
        using var db = TsdbStorage.Open(new TsdbOptions { DataDir = workDir, DisableBackgroundMaintenance = true });
        var refs = new SeriesRef[specs.Count];
        void Append(long t)
        {
            var app = db.Appender();
            for (int s = 0; s < specs.Count; s++)
            {
                app.TryAppend(ref refs[s], specs[s].Labels, t, generators[s].Next(step), out _);
            }
            app.Commit();
        }
        progress($"writing {history} steps of history for {specs.Count} series");
        for (int i = 0; i < history; i++)
        {
            Append(t0 + (i * step));
        }
        var config = new AnalysisConfig
        {
            EvaluationInterval = interval,
            Detector = detector,
            BuiltinSeries = false,
            Selectors = [new AnalysisSelector("{__name__=~\".+\"}", [new LabelMatcher(MatchOp.Regexp, LabelSet.MetricName, ".+")])],
            MaxSeries = Math.Max(series, 1),
            Warmup = TimeSpan.FromMilliseconds(history * step),
        };
        var service = new AnalysisService(config, db, Path.Combine(workDir, "state"), LabelSet.Of("job", "vigil", "instance", "bench"), NullLoggerFactory.Instance, clock);

        // Start-up: every series' detector learns the stored history.
        var (startupCpu, startupWall, startupPoints) = Measure(() => service.ScoreAsync().GetAwaiter().GetResult());
        progress(string.Create(CultureInfo.InvariantCulture, $"start-up: {startupPoints} history points learnt in {startupCpu:F0} ms CPU"));

        var scoreCpu = new List<double>();
        var scoreWall = new List<double>();
        var insightCpu = new List<double>();
        long points = 0;
        int active = 0;
        long sinceInsights = 0;
        for (int e = 0; e < evaluations; e++)
        {
            clock.Advance(interval);
            Append(clock.Now.ToUnixTimeMilliseconds() - 1000);
            var (cpu, wall, scored) = Measure(() => service.ScoreAsync().GetAwaiter().GetResult());
            scoreCpu.Add(cpu);
            scoreWall.Add(wall);
            points += scored;
            sinceInsights += step;
            if (sinceInsights >= 60_000)
            {
                sinceInsights = 0;
                var (icpu, _, n) = Measure(() => service.AnalyzeAsync().GetAwaiter().GetResult());
                insightCpu.Add(icpu);
                active = n;
            }
            if ((e + 1) % 10 == 0)
            {
                progress(string.Create(CultureInfo.InvariantCulture, $"evaluation {e + 1}/{evaluations}: {cpu:F1} ms CPU for {scored} points"));
            }
        }
        string? statePath = null;
        var (saveCpu, _, _) = Measure(() =>
        {
            statePath = service.SaveStateNow();
            return 0;
        });
        long stateBytes = new FileInfo(statePath!).Length;
        var byType = new JsonObject();
        foreach (var g in service.Insights().Where(i => i.State == InsightState.Active).GroupBy(i => i.Engine + "/" + i.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            byType[g.Key] = g.Count();
        }
        progress("active insights: " + string.Join("; ", service.Insights().Where(i => i.State == InsightState.Active).Take(5).Select(i => i.Description)));
        service.DisposeAsync().AsTask().GetAwaiter().GetResult();

        double meanScore = scoreCpu.Average();
        double meanInsights = insightCpu.Count == 0 ? 0 : insightCpu.Average();
        double intervalMs = interval.TotalMilliseconds;
        double scoringShare = meanScore / intervalMs * 100;
        double insightShare = meanInsights / 60_000 * 100;
        double saveShare = saveCpu / config.StateSaveInterval.TotalMilliseconds * 100;
        return new JsonObject
        {
            ["series"] = specs.Count,
            ["interval_seconds"] = interval.TotalSeconds,
            ["detector"] = detector,
            ["evaluations"] = evaluations,
            ["history_steps"] = history,
            ["points_scored"] = points,
            ["startup"] = new JsonObject { ["points"] = startupPoints, ["cpu_ms"] = Round(startupCpu), ["wall_ms"] = Round(startupWall) },
            ["scoring"] = new JsonObject
            {
                ["cpu_ms_per_evaluation_mean"] = Round(meanScore),
                ["cpu_ms_per_evaluation_median"] = Round(Median(scoreCpu)),
                ["cpu_ms_per_evaluation_max"] = Round(scoreCpu.Max()),
                ["wall_ms_per_evaluation_mean"] = Round(scoreWall.Average()),
                ["points_per_cpu_second"] = Round(points / (scoreCpu.Sum() / 1000)),
                ["share_of_one_core_percent"] = Round(scoringShare, 3),
            },
            ["insights"] = new JsonObject
            {
                ["runs"] = insightCpu.Count,
                ["active"] = active,
                ["active_by_engine_and_type"] = byType,
                ["cpu_ms_per_run_mean"] = Round(meanInsights),
                ["share_of_one_core_percent_at_1m"] = Round(insightShare, 3),
            },
            ["state"] = new JsonObject
            {
                ["bytes"] = stateBytes,
                ["save_cpu_ms"] = Round(saveCpu),
                ["share_of_one_core_percent_at_5m"] = Round(saveShare, 3),
            },
            ["total_share_of_one_core_percent"] = Round(scoringShare + insightShare + saveShare, 3),
        };
    }

    /// <summary>Process CPU and wall time of <paramref name="action"/>, in milliseconds (process CPU includes the GC's threads).</summary>
    private static (double CpuMs, double WallMs, int Result) Measure(Func<int> action)
    {
        using var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        int result = action();
        double wall = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        process.Refresh();
        return ((process.TotalProcessorTime - before).TotalMilliseconds, wall, result);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : 0.5 * (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]);
    }

    private static double Round(double v, int digits = 1) => Math.Round(v, digits);

    /// <summary>Simulated time: the benchmark moves it by one interval per evaluation (no timers are used).</summary>
    private sealed class BenchClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; private set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;

        public void Advance(TimeSpan by) => Now += by;
    }
}
