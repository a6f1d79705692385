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
        var threshold = new Option<double?>("--threshold")
        {
            Description = "Score every profile at this fixed threshold (a row is detected when its score is at least this); no sweep.",
            HelpName = "X",
        };
        threshold.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } t && !double.IsFinite(t))
            {
                r.AddError("--threshold must be a finite number");
            }
        });
        var shipped = new Option<bool>("--shipped") { Description = "Score at the threshold each detector ships with (the one vigil serve uses for anomalous); no sweep." };
        var cv = new Option<bool>("--cv")
        {
            Description = "Cross-validate by NAB category (folder): for each category, choose the parameters (from the detector's declared grid, or --param) and the threshold on the other categories, score the held-out one; print per fold, pooled and in-sample.",
        };
        var parallel = new Option<int>("--parallel")
        {
            Description = "Files scored at the same time (default 1: NAB runs are CPU-heavy).",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
        };
        parallel.Validators.Add(r =>
        {
            int n = r.GetValueOrDefault<int>();
            if (n < 1 || n > 256)
            {
                r.AddError($"--parallel must be between 1 and 256, got {n}");
            }
        });
        var nabInputs = new Option<bool>("--nab-inputs")
        {
            Description = $"Give each detector the file's minimum, maximum and NAB probation length, as NAB's own runner does (look-ahead a server does not have; only {string.Join(", ", DetectorFactory.NabInputDetectors)} take them).",
        };
        var command = new Command("nab", "Score the anomaly detectors on NAB: stream each file through each detector, then sweep the threshold per profile (in-sample), score at a fixed or the shipped threshold, or cross-validate by category.")
        {
            data, detector, json, param, perFile, scoresDir, threshold, shipped, cv, parallel, nabInputs,
        };
        command.SetAction(async (result, ct) =>
        {
            string dir = result.GetValue(data) ?? DefaultDataDir();
            var parameters = ParseParams(result.GetValue(param) ?? []);
            string? only = result.GetValue(detector);
            double? fixedThreshold = result.GetValue(threshold);
            bool useShipped = result.GetValue(shipped);
            bool crossValidate = result.GetValue(cv);
            int workers = result.GetValue(parallel);
            bool inputs = result.GetValue(nabInputs);
            if (inputs && (only is null || !DetectorFactory.NabInputDetectors.Contains(only)))
            {
                throw new CliException($"--nab-inputs needs --detector {string.Join(" or ", DetectorFactory.NabInputDetectors)}: other detectors take no input range", 2);
            }
            if (parameters.Count > 0 && only is null)
            {
                throw new CliException("--param needs --detector: parameters apply to one detector", 2);
            }
            if ((fixedThreshold is not null ? 1 : 0) + (useShipped ? 1 : 0) + (crossValidate ? 1 : 0) > 1)
            {
                throw new CliException("--threshold, --shipped and --cv are alternatives: give at most one", 2);
            }
            if (crossValidate && (result.GetValue(perFile) || result.GetValue(scoresDir) is not null))
            {
                throw new CliException("--cv scores many parameter sets: --per-file and --scores need a single run (leave out --cv)", 2);
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
            if (crossValidate)
            {
                return await CrossValidateAsync(bench, names, parameters, workers, inputs, result.GetValue(json), stdout, stderr, ct).ConfigureAwait(false);
            }
            var rows = new List<(string Name, double PointsPerSecond, IReadOnlyList<NabResult> Results)>();
            foreach (string name in names)
            {
                ct.ThrowIfCancellationRequested();
                var progress = new ProgressBar(stderr, name, bench.Files.Count);
                CheckParameters(name, parameters);
                var run = bench.Run(name, parameters.Count > 0 ? parameters : null, progress.Report, workers, inputs);
                progress.Done();
                if (result.GetValue(scoresDir) is { } outDir)
                {
                    bench.WriteScores(Path.Combine(outDir, name), run.Scores);
                }
                var results = fixedThreshold is { } t ? bench.ScoreAt(run.Scores, t)
                    : useShipped ? bench.ScoreAt(run.Scores, DetectorFactory.ShippedThreshold(name))
                    : bench.ScoreAll(run.Scores);
                rows.Add((name, run.PointsPerSecond, results));
                if (result.GetValue(perFile))
                {
                    await stdout.WriteAsync(FormatPerFile(bench, name, run.Scores, results[0])).ConfigureAwait(false);
                }
            }
            string how = (inputs ? "NAB's inputs (file min, max, probation) given; " : "") + (fixedThreshold is { } ft ? string.Create(CultureInfo.InvariantCulture, $"threshold fixed at {ft:R} (no sweep)")
                : useShipped ? "each detector at its shipped threshold, the one vigil serve uses (no sweep)"
                : "threshold swept per profile on these files (in-sample)");
            await stdout.WriteAsync(FormatTable(bench, windows, rows, how)).ConfigureAwait(false);
            if (result.GetValue(json) is { } jsonPath)
            {
                var doc = NabBench.ToJson(rows, dir, bench.Files.Count, windows);
                doc["threshold_mode"] = fixedThreshold is not null ? "fixed" : useShipped ? "shipped" : "swept";
                await File.WriteAllTextAsync(jsonPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    private static void CheckParameters(string name, IReadOnlyDictionary<string, double> parameters)
    {
        try
        {
            // Note: create one detector up front so a bad parameter is a usage error, not an exception from a worker.
            DetectorFactory.Create(name, parameters.Count > 0 ? parameters : null);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message, 2);
        }
    }

    private static async Task<int> CrossValidateAsync(
        NabBench bench, IReadOnlyList<string> names, Dictionary<string, double> parameters, int workers, bool nabInputs, string? jsonPath,
        TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var all = new List<(string Name, IReadOnlyList<IReadOnlyDictionary<string, double>> Grid, IReadOnlyList<NabCrossValidationResult> Results)>();
        foreach (string name in names)
        {
            CheckParameters(name, parameters);
            // Note: with NAB's inputs ARTime runs as published, so it has nothing left to tune but the threshold.
            IReadOnlyList<IReadOnlyDictionary<string, double>> grid = parameters.Count > 0 ? [parameters] : nabInputs ? [new Dictionary<string, double>()] : DetectorFactory.Grid(name);
            var scores = new List<double[][]>();
            for (int g = 0; g < grid.Count; g++)
            {
                ct.ThrowIfCancellationRequested();
                var progress = new ProgressBar(stderr, grid.Count == 1 ? name : string.Create(CultureInfo.InvariantCulture, $"{name} {g + 1}/{grid.Count}"), bench.Files.Count);
                scores.Add(bench.Run(name, grid[g].Count > 0 ? grid[g] : null, progress.Report, workers, nabInputs).Scores);
                progress.Done();
            }
            IReadOnlyList<NabCrossValidationResult> results;
            try
            {
                results = [.. bench.Profiles.Select(p => NabCrossValidation.Run(bench.Files, grid, scores, p))];
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message, 2);
            }
            all.Add((name, grid, results));
            await stdout.WriteAsync(FormatCrossValidation(bench, nabInputs ? name + " (NAB inputs)" : name, grid, results)).ConfigureAwait(false);
        }
        if (jsonPath is not null)
        {
            var doc = CrossValidationJson(bench, all);
            await File.WriteAllTextAsync(jsonPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
        }
        return 0;
    }

    internal static string FormatCrossValidation(NabBench bench, string name, IReadOnlyList<IReadOnlyDictionary<string, double>> grid, IReadOnlyList<NabCrossValidationResult> results)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        int folds = results.Count == 0 ? 0 : results[0].Folds.Count;
        sb.Append(ci, $"NAB cross-validation of {name}: {bench.Files.Count} files, {bench.Files.Sum(f => f.Windows.Count)} windows, {folds} folds (one per category); parameters from a grid of {grid.Count} and the threshold chosen on the other folds\n");
        foreach (var r in results)
        {
            sb.Append(ci, $"\n{name} {r.Profile.Name}\n");
            sb.Append(ci, $"  {"held-out fold",-24} {"files",5} {"parameters",-32} {"threshold",10} {"raw",9} {"score",7} {"windows",8} {"FP rows",7}\n");
            foreach (var f in r.Folds)
            {
                string score = f.HeldOut.Windows > 0 ? f.HeldOut.Normalized.ToString("0.00", ci) : "-";
                sb.Append(ci, $"  {f.Category,-24} {f.HeldOutFiles.Count,5} {FormatParameters(f.Parameters),-32} {f.Training.Threshold,10:0.######} {f.HeldOut.Raw,9:0.0000} {score,7} {f.HeldOut.WindowsDetected + "/" + f.HeldOut.Windows,8} {f.HeldOut.FalsePositives,7}\n");
            }
            sb.Append(ci, $"  {"CV (pooled held-out)",-24} {bench.Files.Count,5} {"",-32} {"",10} {r.Pooled.Raw,9:0.0000} {r.Pooled.Normalized,7:0.00} {r.Pooled.WindowsDetected + "/" + r.Pooled.Windows,8} {r.Pooled.FalsePositives,7}\n");
            sb.Append(ci, $"  {"mean of fold scores",-24} {"",5} {"(folds with windows)",-32} {"",10} {"",9} {r.MeanFoldScore,7:0.00}\n");
            sb.Append(ci, $"  {"in-sample (reference)",-24} {bench.Files.Count,5} {FormatParameters(r.InSampleParameters),-32} {r.InSample.Threshold,10:0.######} {r.InSample.Raw,9:0.0000} {r.InSample.Normalized,7:0.00} {r.InSample.WindowsDetected + "/" + r.InSample.Windows,8} {r.InSample.FalsePositives,7}\n");
            sb.Append(ci, $"  in-sample minus CV: {r.InSample.Normalized - r.Pooled.Normalized:0.00} points\n");
        }
        return sb.ToString();
    }

    private static string FormatParameters(IReadOnlyDictionary<string, double> parameters)
        => parameters.Count == 0 ? "defaults" : string.Join(",", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={p.Value:R}")));

    private static System.Text.Json.Nodes.JsonObject CrossValidationJson(
        NabBench bench, List<(string Name, IReadOnlyList<IReadOnlyDictionary<string, double>> Grid, IReadOnlyList<NabCrossValidationResult> Results)> all)
    {
        static System.Text.Json.Nodes.JsonObject Parameters(IReadOnlyDictionary<string, double> p)
        {
            var o = new System.Text.Json.Nodes.JsonObject();
            foreach (var (k, v) in p.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                o[k] = v;
            }
            return o;
        }
        static System.Text.Json.Nodes.JsonObject Result(NabResult r) => new()
        {
            ["raw"] = Math.Round(r.Raw, 6),
            ["score"] = r.Windows > 0 ? Math.Round(r.Normalized, 3) : null,
            ["windows_detected"] = r.WindowsDetected,
            ["windows"] = r.Windows,
            ["false_positives"] = r.FalsePositives,
        };
        var detectors = new System.Text.Json.Nodes.JsonArray();
        foreach (var (name, grid, results) in all)
        {
            var profiles = new System.Text.Json.Nodes.JsonObject();
            foreach (var r in results)
            {
                var folds = new System.Text.Json.Nodes.JsonArray();
                foreach (var f in r.Folds)
                {
                    var held = Result(f.HeldOut);
                    held["category"] = f.Category;
                    held["threshold"] = f.Training.Threshold;
                    held["parameters"] = Parameters(f.Parameters);
                    held["held_out_files"] = new System.Text.Json.Nodes.JsonArray([.. f.HeldOutFiles.Select(x => (System.Text.Json.Nodes.JsonNode?)x)]);
                    held["training_files"] = new System.Text.Json.Nodes.JsonArray([.. f.TrainingFiles.Select(x => (System.Text.Json.Nodes.JsonNode?)x)]);
                    held["training_score"] = Math.Round(f.Training.Normalized, 3);
                    folds.Add(held);
                }
                var inSample = Result(r.InSample);
                inSample["threshold"] = r.InSample.Threshold;
                inSample["parameters"] = Parameters(r.InSampleParameters);
                profiles[r.Profile.Name] = new System.Text.Json.Nodes.JsonObject
                {
                    ["cv"] = Result(r.Pooled),
                    ["mean_fold_score"] = double.IsNaN(r.MeanFoldScore) ? null : Math.Round(r.MeanFoldScore, 3),
                    ["in_sample"] = inSample,
                    ["gap"] = Math.Round(r.InSample.Normalized - r.Pooled.Normalized, 3),
                    ["folds"] = folds,
                };
            }
            detectors.Add(new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = name,
                ["default"] = name == DetectorFactory.DefaultName,
                ["grid"] = new System.Text.Json.Nodes.JsonArray([.. grid.Select(g => (System.Text.Json.Nodes.JsonNode?)Parameters(g))]),
                ["profiles"] = profiles,
            });
        }
        return new System.Text.Json.Nodes.JsonObject
        {
            ["data"] = bench.Directory,
            ["files"] = bench.Files.Count,
            ["windows"] = bench.Files.Sum(f => f.Windows.Count),
            ["threshold_mode"] = "cv",
            ["machine"] = TsdbBench.MachineInfo(),
            ["detectors"] = detectors,
        };
    }

    internal static string FormatTable(NabBench bench, int windows, IReadOnlyList<(string Name, double PointsPerSecond, IReadOnlyList<NabResult> Results)> rows, string how)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        sb.Append(ci, $"NAB: {bench.Files.Count} files, {windows} windows, {bench.Files.Sum(f => f.Length)} points ({bench.Directory}); {how}\n\n");
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

    internal static string DefaultDataDir()
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
