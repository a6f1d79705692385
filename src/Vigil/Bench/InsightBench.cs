using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Analysis.Insights;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Bench;

/// <summary>
/// <c>vigil bench insights</c>: every scenario of <see cref="InsightScenarios"/> through the server's real analysis
/// (anomaly scorer every 15 s, the four insight engines every minute) over an in-memory storage: 25 hours of history,
/// then one simulated hour written step by step. Every insight raised during the hour (active or resolved at its end)
/// is matched against the scenario's expectations; per engine, precision is the share of its insights that were
/// expected or allowed (and not forbidden), recall the share of the expected insights it raised.
/// </summary>
internal static class InsightBench
{
    /// <summary>What one scenario produced.</summary>
    public sealed record Outcome(InsightScenarios.Scenario Scenario, IReadOnlyList<PerformanceInsight> Insights,
        IReadOnlyList<(PerformanceInsight Insight, bool Correct)> Judged, IReadOnlyList<(InsightScenarios.Expectation Expected, bool Found)> Recall);

    /// <summary>Precision and recall of one engine over the suite.</summary>
    public sealed record EngineScore(string Engine, int Raised, int Correct, int Expected, int Found)
    {
        public double Precision => Raised == 0 ? double.NaN : (double)Correct / Raised;
        public double Recall => Expected == 0 ? double.NaN : (double)Found / Expected;
    }

    public static readonly string[] Engines = ["trend", "bottleneck", "anomaly", "capacity"];

    /// <summary>Runs <paramref name="scenarios"/>, each on a fresh storage from <paramref name="open"/>.</summary>
    public static List<Outcome> Run(IEnumerable<InsightScenarios.Scenario> scenarios, Func<IStorage> open, int seed, Action<string> progress, CancellationToken ct = default)
    {
        var outcomes = new List<Outcome>();
        foreach (var scenario in scenarios)
        {
            ct.ThrowIfCancellationRequested();
            progress(scenario.Name);
            var storage = open();
            try
            {
                // Note: a scenario's data depends on its place in the whole suite, so `--scenario` reproduces a full run.
                int index = InsightScenarios.All.ToList().FindIndex(s => s.Name == scenario.Name);
                var insights = RunOne(scenario, storage, seed + (1000 * Math.Max(0, index)), ct);
                outcomes.Add(Judge(scenario, insights));
            }
            finally
            {
                (storage as IDisposable)?.Dispose();
            }
        }
        return outcomes;
    }

    private static IReadOnlyList<PerformanceInsight> RunOne(InsightScenarios.Scenario scenario, IStorage storage, int seed, CancellationToken ct)
    {
        var shape = scenario.CreateShape(seed);
        var clock = new Clock(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        long startMs = clock.Now.ToUnixTimeMilliseconds();
        var writer = new Writer(shape, storage);
        for (int t = -InsightScenarios.HistorySeconds; t <= 0; t += InsightScenarios.StepSeconds)
        {
            writer.Write(startMs, t);
        }
        var config = new AnalysisConfig
        {
            BuiltinSeries = false,
            Selectors = [new AnalysisSelector("{__name__=~\".+\"}", [new LabelMatcher(MatchOp.Regexp, LabelSet.MetricName, ".+")])],
            Warmup = TimeSpan.FromHours(6),
        };
        var service = new AnalysisService(config, storage, null, LabelSet.Of("job", "vigil", "instance", "bench"), NullLoggerFactory.Instance, clock);
        service.ScoreAsync(ct).GetAwaiter().GetResult();
        for (int t = InsightScenarios.StepSeconds; t <= InsightScenarios.HourSeconds; t += InsightScenarios.StepSeconds)
        {
            clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(startMs + (t * 1000L));
            writer.Write(startMs, t);
            service.ScoreAsync(ct).GetAwaiter().GetResult();
            if (t % 60 == 0)
            {
                service.AnalyzeAsync(ct).GetAwaiter().GetResult();
            }
        }
        return service.Insights();
    }

    private static Outcome Judge(InsightScenarios.Scenario s, IReadOnlyList<PerformanceInsight> insights)
    {
        var judged = new List<(PerformanceInsight, bool)>();
        foreach (var i in insights)
        {
            bool forbidden = s.MustNot.Any(e => (e.Engine == "any" || e.Engine == i.Engine) && e.Match(i));
            bool expected = s.Must.Concat(s.Allowed).Any(e => e.Engine == i.Engine && e.Match(i));
            judged.Add((i, expected && !forbidden));
        }
        var recall = s.Must.Select(e => (e, insights.Any(i => i.Engine == e.Engine && e.Match(i)))).ToList();
        return new Outcome(s, insights, judged, recall);
    }

    /// <summary>Precision and recall per engine, then over all engines ("all").</summary>
    public static List<EngineScore> Score(IReadOnlyList<Outcome> outcomes)
    {
        var scores = new List<EngineScore>();
        foreach (string engine in Engines.Append("all"))
        {
            bool Mine(string e) => engine == "all" || e == engine;
            var judged = outcomes.SelectMany(o => o.Judged).Where(j => Mine(j.Insight.Engine)).ToList();
            var recall = outcomes.SelectMany(o => o.Recall).Where(r => Mine(r.Expected.Engine)).ToList();
            scores.Add(new EngineScore(engine, judged.Count, judged.Count(j => j.Correct), recall.Count, recall.Count(r => r.Found)));
        }
        return scores;
    }

    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Format(IReadOnlyList<Outcome> outcomes, IReadOnlyList<EngineScore> scores)
    {
        var sb = new StringBuilder();
        sb.AppendLine("SCENARIO              HEALTHY  INSIGHTS  WRONG  EXPECTED FOUND");
        foreach (var o in outcomes)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{o.Scenario.Name,-21} {(o.Scenario.Healthy ? "yes" : "no"),-8} {o.Insights.Count,8} {o.Judged.Count(j => !j.Correct),6} {o.Recall.Count(r => r.Found),8}/{o.Recall.Count}");
            foreach (var (i, correct) in o.Judged.Where(j => !j.Correct))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  ✗ {i.Engine}: {i.Description}");
            }
            foreach (var (e, _) in o.Recall.Where(r => !r.Found))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  missing {e.Engine}: {e.What}");
            }
        }
        sb.AppendLine();
        sb.AppendLine("ENGINE      RAISED  CORRECT  PRECISION  EXPECTED  FOUND  RECALL");
        foreach (var s in scores)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{s.Engine,-11} {s.Raised,6} {s.Correct,8} {F(s.Precision),10} {s.Expected,9} {s.Found,6} {F(s.Recall),7}");
        }
        return sb.ToString();
    }

    public static JsonObject ToJson(IReadOnlyList<Outcome> outcomes, IReadOnlyList<EngineScore> scores, int seed)
    {
        static JsonNode? N(double v) => double.IsNaN(v) ? null : JsonValue.Create(v);
        return new JsonObject
        {
            ["seed"] = seed,
            ["simulated_seconds"] = InsightScenarios.HourSeconds,
            ["engines"] = new JsonArray([.. scores.Select(s => (JsonNode)new JsonObject
            {
                ["engine"] = s.Engine, ["raised"] = s.Raised, ["correct"] = s.Correct, ["precision"] = N(s.Precision),
                ["expected"] = s.Expected, ["found"] = s.Found, ["recall"] = N(s.Recall),
            })]),
            ["scenarios"] = new JsonArray([.. outcomes.Select(o => (JsonNode)new JsonObject
            {
                ["name"] = o.Scenario.Name,
                ["healthy"] = o.Scenario.Healthy,
                ["insights"] = new JsonArray([.. o.Judged.Select(j => (JsonNode)new JsonObject
                {
                    ["engine"] = j.Insight.Engine, ["type"] = j.Insight.Type.ToString(), ["key"] = j.Insight.Key,
                    ["correct"] = j.Correct, ["description"] = j.Insight.Description,
                })]),
                ["missing"] = new JsonArray([.. o.Recall.Where(r => !r.Found).Select(r => (JsonNode)JsonValue.Create(r.Expected.Engine + ": " + r.Expected.What)!)]),
            })]),
        };
    }

    /// <summary>Writes a scenario's series at one time.</summary>
    private sealed class Writer(InsightScenarios.Shape shape, IStorage storage)
    {
        private const double GiB = 1024.0 * 1024 * 1024;
        private readonly double[] _idle = new double[2];
        private double _requests;

        private static LabelSet S(LabelSet target, string name, params string[] more)
        {
            var b = new LabelSetBuilder(target).Set(LabelSet.MetricName, name);
            for (int i = 0; i + 1 < more.Length; i += 2)
            {
                b.Set(more[i], more[i + 1]);
            }
            return b.Build();
        }

        private static readonly LabelSet[] CpuIdle = [S(InsightScenarios.Host, "node_cpu_seconds_total", "cpu", "0", "mode", "idle"), S(InsightScenarios.Host, "node_cpu_seconds_total", "cpu", "1", "mode", "idle")];
        private static readonly LabelSet Load = S(InsightScenarios.Host, "node_load1");
        private static readonly LabelSet MemTotal = S(InsightScenarios.Host, "node_memory_MemTotal_bytes");
        private static readonly LabelSet MemAvailable = S(InsightScenarios.Host, "node_memory_MemAvailable_bytes");
        private static readonly string[] Fs = ["device", "/dev/sda1", "fstype", "ext4", "mountpoint", "/"];
        private static readonly LabelSet FsSize = S(InsightScenarios.Host, "node_filesystem_size_bytes", Fs);
        private static readonly LabelSet FsAvail = S(InsightScenarios.Host, "node_filesystem_avail_bytes", Fs);
        private static readonly LabelSet Requests = S(InsightScenarios.App, "http_requests_total");
        private static readonly LabelSet Latency = S(InsightScenarios.App, "http_request_duration_seconds");
        private static readonly LabelSet Downstream = S(InsightScenarios.App, "downstream_request_duration_seconds");

        public void Write(long startMs, int t)
        {
            long ms = startMs + (t * 1000L);
            var app = storage.Appender();
            double busy = shape.Cpu(t);
            for (int c = 0; c < _idle.Length; c++)
            {
                double u = Math.Clamp(busy + (0.02 * shape.Gaussian()), 0, 1);
                _idle[c] += InsightScenarios.StepSeconds * (1 - u);
                app.Append(CpuIdle[c], ms, _idle[c]);
            }
            app.Append(Load, ms, Math.Max(0, 2 * 1.1 * busy * (1 + (0.05 * shape.Gaussian()))));
            app.Append(MemTotal, ms, 16 * GiB);
            app.Append(MemAvailable, ms, shape.MemoryAvailable(t) + (0.02 * GiB * shape.Gaussian()));
            app.Append(FsSize, ms, 100 * GiB);
            app.Append(FsAvail, ms, shape.DiskAvailable(t) + (0.01 * GiB * shape.Gaussian()));
            _requests += InsightScenarios.StepSeconds * shape.Requests(t) * Math.Max(0, 1 + (0.05 * shape.Gaussian()));
            app.Append(Requests, ms, Math.Round(_requests));
            app.Append(Latency, ms, shape.Latency(t) * Math.Max(0.2, 1 + (shape.Noise * shape.Gaussian())));
            app.Append(Downstream, ms, shape.Downstream(t) * Math.Max(0.2, 1 + (shape.Noise * shape.Gaussian())));
            app.Commit();
        }
    }

    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
