using System.CommandLine;
using System.Globalization;
using Vigil.Bench;
using Vigil.Core.Model;
using Vigil.Tsdb.Wal;

namespace Vigil.Cli;

/// <summary><c>vigil bench …</c>: end-to-end benchmarks that print JSON, and the synthetic data generator they use.</summary>
internal static class BenchCommand
{
    public static Command Create(IStorageProvider storage, TextWriter stdout, TextWriter stderr)
    {
        var series = new Option<int>("--series") { Description = "Number of series.", DefaultValueFactory = _ => 100_000 };
        var samples = new Option<int>("--samples") { Description = "Samples per series.", DefaultValueFactory = _ => 120 };
        var workDir = new Option<string>("--work-dir") { Description = "Scratch directory (deleted afterwards).", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "vigil-bench") };
        var sync = new Option<string>("--wal-sync") { Description = "WAL sync policy: interval or commit.", DefaultValueFactory = _ => "interval" };
        sync.AcceptOnlyFromAmong("interval", "commit");
        var tsdb = new Command("tsdb", "Append throughput (1 and 2 writers, WAL on), head memory per series and read throughput; prints JSON.")
        {
            series, samples, workDir, sync,
        };
        tsdb.SetAction((result, ct) =>
        {
            string dir = result.GetValue(workDir)!;
            var mode = result.GetValue(sync) == "commit" ? WalSyncMode.Commit : WalSyncMode.Interval;
            try
            {
                var bench = new TsdbBench(result.GetValue(series), result.GetValue(samples), dir, mode);
                stdout.WriteLine(bench.Run(line => stderr.WriteLine(line)).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
            finally
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, true);
                }
            }
            return Task.FromResult(0);
        });

        var genSeries = new Option<int>("--series") { Description = "Number of series (node-exporter-like, 47 per host).", DefaultValueFactory = _ => 10_000 };
        var duration = new Option<string>("--duration") { Description = "Time span, e.g. 2h.", DefaultValueFactory = _ => "2h" };
        var interval = new Option<string>("--interval") { Description = "Scrape interval, e.g. 15s.", DefaultValueFactory = _ => "15s" };
        var start = new Option<long>("--start") { Description = "First timestamp, Unix milliseconds.", DefaultValueFactory = _ => 1_700_000_000_000 };
        var output = new Option<string>("--output", "-o") { Description = "File to write (OpenMetrics text).", Required = true };
        var histograms = new Option<bool>("--histograms") { Description = "Add a request-latency histogram per host (http_request_duration_seconds: 12 buckets, sum, count; 14 of the series)." };
        var generate = new Command("generate", "Write realistic node-exporter-like data (counters and gauges, ±5 ms scrape jitter) as OpenMetrics with timestamps.")
        {
            genSeries, duration, interval, start, output, histograms,
        };
        generate.SetAction((result, ct) =>
        {
            long step = ParseDuration(result.GetValue(interval)!, "--interval");
            long span = ParseDuration(result.GetValue(duration)!, "--duration");
            int perSeries = (int)(span / step);
            var data = new SyntheticNodeData(result.GetValue(genSeries), histograms: result.GetValue(histograms));
            using (var w = new StreamWriter(result.GetValue(output)!, false, new System.Text.UTF8Encoding(false), 1 << 20))
            {
                data.WriteOpenMetrics(w, result.GetValue(start), step, perSeries);
            }
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {data.SeriesCount} series × {perSeries} samples to {result.GetValue(output)}"));
            return Task.FromResult(0);
        });
        return new Command("bench", "End-to-end benchmarks (results as JSON) and their data generator.") { tsdb, generate, BenchNabCommand.Create(stdout, stderr), BenchForecastCommand.Create(stdout, stderr), BenchInsightsCommand.Create(storage, stdout, stderr), BenchOptimizeCommand.Create(stdout, stderr), Analysis(stdout, stderr) };
    }

    private static Command Analysis(TextWriter stdout, TextWriter stderr)
    {
        var series = new Option<int>("--series") { Description = "Number of series (node-exporter-like, 47 per host).", DefaultValueFactory = _ => 10_000 };
        var interval = new Option<string>("--interval") { Description = "Evaluation (and sample) interval, e.g. 15s.", DefaultValueFactory = _ => "15s" };
        var evaluations = new Option<int>("--evaluations") { Description = "Evaluations measured after start-up.", DefaultValueFactory = _ => 40 };
        var history = new Option<int>("--history") { Description = "Steps of stored history before start-up (learnt by the detectors).", DefaultValueFactory = _ => 240 };
        var detector = new Option<string>("--detector") { Description = "Detector: " + string.Join(", ", Vigil.Analysis.Anomaly.DetectorFactory.Names) + ".", DefaultValueFactory = _ => Vigil.Analysis.Anomaly.DetectorFactory.DefaultName };
        detector.AcceptOnlyFromAmong([.. Vigil.Analysis.Anomaly.DetectorFactory.Names]);
        var workDir = new Option<string>("--work-dir") { Description = "Scratch directory (deleted afterwards).", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "vigil-bench-analysis") };
        var command = new Command("analysis", "CPU of the server's analysis (anomaly scoring every interval, insight engines every minute) over the embedded TSDB; prints JSON.")
        {
            series, interval, evaluations, history, detector, workDir,
        };
        command.SetAction((result, ct) =>
        {
            string dir = result.GetValue(workDir)!;
            try
            {
                var bench = new AnalysisBench(result.GetValue(series), TimeSpan.FromMilliseconds(ParseDuration(result.GetValue(interval)!, "--interval")),
                    result.GetValue(evaluations), result.GetValue(history), result.GetValue(detector)!, dir);
                stdout.WriteLine(bench.Run(line => stderr.WriteLine(line)).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
            finally
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, true);
                }
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static long ParseDuration(string text, string option)
        => PrometheusDuration.TryParse(text, out var d, out _)
            ? (long)d.TotalMilliseconds
            : throw new CliException($"invalid {option} \"{text}\": expected a duration such as 15s or 2h", 2);
}
