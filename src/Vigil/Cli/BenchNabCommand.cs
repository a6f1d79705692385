using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Vigil.Analysis.Anomaly;
using Vigil.Analysis.Nab;
using Vigil.Bench;

namespace Vigil.Cli;

/// <summary><c>vigil bench nab</c>: scores the anomaly detectors on the Numenta Anomaly Benchmark.</summary>
internal static class BenchNabCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var data = new Option<string?>("--data")
        {
            Description = "NAB-style folder (data/, labels/combined_windows.json, config/profiles.json). Default: shared/testdata/nab found above the current directory, or $VIGIL_TESTDATA/nab.",
            HelpName = "DIR",
        };
        var detector = new Option<string?>("--detector")
        {
            Description = $"Run only this detector ({string.Join(", ", DetectorFactory.Names)}). Default: all.",
            HelpName = "NAME",
        };
        detector.Validators.Add(r =>
        {
            foreach (var t in r.Tokens)
            {
                if (!DetectorFactory.Names.Contains(t.Value))
                {
                    r.AddError($"--detector: unknown detector \"{t.Value}\" (known: {string.Join(", ", DetectorFactory.Names)})");
                }
            }
        });
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file.", HelpName = "FILE" };
        var param = new Option<string[]>("--param")
        {
            Description = "Detector parameter NAME=VALUE for --detector (repeatable), e.g. --param window=500.",
            HelpName = "NAME=VALUE",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var scoresDir = new Option<string?>("--scores")
        {
            Description = "Also write each file's scores as DIR/<detector>/<category>/<name>.csv (timestamp,value,anomaly_score, as NAB's results).",
            HelpName = "DIR",
        };
        var perFile = new Option<bool>("--per-file") { Description = "Also print each file's raw score, detected windows and false-positive rows at the standard profile's threshold." };
        var command = new Command("nab", "Score the anomaly detectors on NAB: stream each file through each detector, sweep the threshold per profile, normalize to 0-100.")
        {
            data, detector, json, param, perFile, scoresDir,
        };
        command.SetAction(async (result, ct) =>
        {
            string dir = result.GetValue(data) ?? DefaultDataDir();
            var parameters = ParseParams(result.GetValue(param) ?? []);
            string? only = result.GetValue(detector);
            if (parameters.Count > 0 && only is null)
            {
                throw new CliException("--param needs --detector: parameters apply to one detector", 2);
            }
            NabBench bench;
            try
            {
                bench = NabBench.Load(dir);
            }
            catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException)
            {
                throw new CliException(e.Message);
            }
            int windows = bench.Files.Sum(f => f.Windows.Count);
            var names = only is null ? DetectorFactory.Names : [only];
            var rows = new List<(string Name, double PointsPerSecond, IReadOnlyList<NabResult> Results)>();
            foreach (string name in names)
            {
                ct.ThrowIfCancellationRequested();
                var progress = new ProgressBar(stderr, name, bench.Files.Count);
                try
                {
                    // Note: create one detector up front so a bad parameter is a usage error, not an exception from a worker.
                    DetectorFactory.Create(name, parameters.Count > 0 ? parameters : null);
                }
                catch (ArgumentException e)
                {
                    throw new CliException(e.Message, 2);
                }
                var run = bench.Run(name, parameters.Count > 0 ? parameters : null, progress.Report);
                progress.Done();
                if (result.GetValue(scoresDir) is { } outDir)
                {
                    bench.WriteScores(Path.Combine(outDir, name), run.Scores);
                }
                var results = bench.ScoreAll(run.Scores);
                rows.Add((name, run.PointsPerSecond, results));
                if (result.GetValue(perFile))
                {
                    await stdout.WriteAsync(FormatPerFile(bench, name, run.Scores, results[0])).ConfigureAwait(false);
                }
            }
            await stdout.WriteAsync(FormatTable(bench, windows, rows)).ConfigureAwait(false);
            if (result.GetValue(json) is { } jsonPath)
            {
                var doc = NabBench.ToJson(rows, dir, bench.Files.Count, windows);
                await File.WriteAllTextAsync(jsonPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    internal static string FormatTable(NabBench bench, int windows, IReadOnlyList<(string Name, double PointsPerSecond, IReadOnlyList<NabResult> Results)> rows)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        sb.Append(ci, $"NAB: {bench.Files.Count} files, {windows} windows, {bench.Files.Sum(f => f.Length)} points ({bench.Directory}); threshold swept per profile on these files\n\n");
        sb.Append(ci, $"{"detector",-10} {"profile",-20} {"threshold",10} {"raw",11} {"score",8} {"windows",8} {"FP rows",8} {"points/s",11}\n");
        foreach (var (name, pps, results) in rows)
        {
            string label = name == DetectorFactory.DefaultName ? name + "*" : name;
            foreach (var r in results)
            {
                sb.Append(ci, $"{label,-10} {r.Profile.Name,-20} {r.Threshold,10:0.######} {r.Raw,11:0.0000} {r.Normalized,8:0.00} {r.WindowsDetected + "/" + r.Windows,8} {r.FalsePositives,8} {pps,11:N0}\n");
                label = "";
            }
        }
        sb.Append("* default detector\n\nstandard profile beside the published NAB v1.1 scoreboard (58 files; this run: the files above)\n");
        var ranking = new List<(string Name, double Score, bool Ours)>();
        foreach (var (name, _, results) in rows)
        {
            var std = results.FirstOrDefault(r => r.Profile.Name == NabProfile.Standard.Name) ?? results[0];
            ranking.Add((name == DetectorFactory.DefaultName ? name + " (default, this run)" : name + " (this run)", std.Normalized, true));
        }
        foreach (var (name, score) in NabBench.Scoreboard)
        {
            ranking.Add((name + " (published)", score, false));
        }
        foreach (var (name, score, ours) in ranking.OrderByDescending(r => r.Score))
        {
            sb.Append(ci, $"  {(ours ? ">" : " ")} {name,-30} {score,7:0.0}\n");
        }
        return sb.ToString();
    }

    private static string FormatPerFile(NabBench bench, string name, double[][] scores, NabResult result)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        sb.Append(ci, $"{name}: per file at {result.Profile.Name} threshold {result.Threshold:0.######}\n");
        for (int f = 0; f < bench.Files.Count; f++)
        {
            var one = NabScorer.ScoreAt([bench.Files[f]], [scores[f]], result.Profile, result.Threshold);
            sb.Append(ci, $"  {bench.Files[f].Name,-58} {one.Raw,9:0.000} {one.WindowsDetected + "/" + one.Windows,6} {one.FalsePositives,5} FP\n");
        }
        return sb.ToString();
    }

    private static Dictionary<string, double> ParseParams(string[] items)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string item in items)
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !double.TryParse(item.AsSpan(eq + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                throw new CliException($"--param \"{item}\": expected NAME=NUMBER", 2);
            }
            result[item[..eq]] = v;
        }
        return result;
    }

    private static string DefaultDataDir()
    {
        string? env = Environment.GetEnvironmentVariable("VIGIL_TESTDATA");
        if (!string.IsNullOrEmpty(env))
        {
            return Path.Combine(env, "nab");
        }
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "testdata", "nab");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new CliException("no NAB data found: pass --data DIR (a folder laid out like shared/testdata/nab)", 2);
    }

    /// <summary>A one-line progress bar on stderr, redrawn in place.</summary>
    private sealed class ProgressBar(TextWriter stderr, string name, int total)
    {
        private readonly Lock _lock = new();

        public void Report(int done)
        {
            lock (_lock)
            {
                int filled = total == 0 ? 20 : done * 20 / total;
                stderr.Write(string.Create(CultureInfo.InvariantCulture, $"\r{name,-10} [{new string('#', filled)}{new string('.', 20 - filled)}] {done}/{total} files"));
                stderr.Flush();
            }
        }

        public void Done()
        {
            lock (_lock)
            {
                stderr.WriteLine();
            }
        }
    }
}
