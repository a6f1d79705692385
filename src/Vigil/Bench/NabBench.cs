using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using Vigil.Analysis.Anomaly;
using Vigil.Analysis.Nab;

namespace Vigil.Bench;

/// <summary>The NAB benchmark behind <c>vigil bench nab</c>: loads a NAB-style folder, streams every file through detectors and scores them.</summary>
internal sealed class NabBench
{
    /// <summary>The published NAB v1.1 standard-profile scoreboard, for comparison.</summary>
    public static readonly IReadOnlyList<(string Name, double Score)> Scoreboard =
    [
        ("ARTime", 74.9), ("Numenta HTM", 70.5), ("CAD OSE", 69.9), ("RCF", 51.7), ("Twitter ADVec", 47.1), ("Windowed Gaussian", 39.6),
    ];

    private NabBench(string dir, IReadOnlyList<NabSeries> files, IReadOnlyList<NabProfile> profiles)
    {
        Directory = dir;
        Files = files;
        Profiles = profiles;
    }

    public string Directory { get; }

    public IReadOnlyList<NabSeries> Files { get; }

    public IReadOnlyList<NabProfile> Profiles { get; }

    /// <summary>Loads <c>labels/combined_windows.json</c>, <c>config/profiles.json</c> and every listed file present under <c>data/</c>.</summary>
    public static NabBench Load(string dir)
    {
        string windowsPath = Path.Combine(dir, "labels", "combined_windows.json");
        string profilesPath = Path.Combine(dir, "config", "profiles.json");
        if (!File.Exists(windowsPath))
        {
            throw new FileNotFoundException($"{windowsPath} not found: --data must be laid out like NAB (data/, labels/combined_windows.json, config/profiles.json)");
        }
        var profiles = File.Exists(profilesPath) ? ReadProfiles(profilesPath) : NabProfile.All;
        var files = new List<NabSeries>();
        using (var doc = JsonDocument.Parse(File.ReadAllText(windowsPath)))
        {
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                string path = Path.Combine(dir, "data", entry.Name);
                if (!File.Exists(path))
                {
                    continue;
                }
                var windows = new List<NabWindow>();
                int k = 0;
                foreach (var w in entry.Value.EnumerateArray())
                {
                    k++;
                    windows.Add(new NabWindow(
                        ParseTime(w[0].GetString() ?? "", $"{windowsPath}: \"{entry.Name}\" window {k} start"),
                        ParseTime(w[1].GetString() ?? "", $"{windowsPath}: \"{entry.Name}\" window {k} end")));
                }
                var (ts, values) = ReadCsv(path);
                files.Add(new NabSeries(entry.Name, ts, values, windows));
            }
        }
        if (files.Count == 0)
        {
            throw new FileNotFoundException($"none of the files listed in {windowsPath} exist under {Path.Combine(dir, "data")}");
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new NabBench(dir, files, profiles);
    }

    /// <summary>Streams every file through a fresh detector per file, <paramref name="parallel"/> files at a time; returns the scores and the points per second per core.</summary>
    /// <remarks>
    /// With <paramref name="nabInputs"/> each file's minimum, maximum and NAB probation length are added to the
    /// parameters (as <c>input_min</c>, <c>input_max</c>, <c>probation</c>), as NAB's runner hands them to every
    /// detector: look-ahead a server does not have, for reproducing published detectors.
    /// </remarks>
    public (double[][] Scores, double PointsPerSecond) Run(string detector, IReadOnlyDictionary<string, double>? parameters, Action<int>? fileDone, int parallel = 1, bool nabInputs = false)
    {
        var scores = new double[Files.Count][];
        long ticks = 0;
        int done = 0;
        var baseTime = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        Parallel.For(0, Files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel) }, f =>
        {
            var file = Files[f];
            var d = DetectorFactory.Create(detector, nabInputs ? WithNabInputs(parameters, file) : parameters);
            var output = new double[file.Length];
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < file.Length; i++)
            {
                long t = (long)(file.Timestamps[i] - baseTime).TotalMilliseconds;
                output[i] = d.Score(t, file.Values[i]);
            }
            sw.Stop();
            Interlocked.Add(ref ticks, sw.Elapsed.Ticks);
            scores[f] = output;
            fileDone?.Invoke(Interlocked.Increment(ref done));
        });
        long points = 0;
        foreach (var file in Files)
        {
            points += file.Length;
        }
        return (scores, points / TimeSpan.FromTicks(Math.Max(ticks, 1)).TotalSeconds);
    }

    private static Dictionary<string, double> WithNabInputs(IReadOnlyDictionary<string, double>? parameters, NabSeries file)
    {
        var p = new Dictionary<string, double>(parameters ?? new Dictionary<string, double>(), StringComparer.Ordinal);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in file.Values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        p["input_min"] = min;
        p["input_max"] = max;
        p["probation"] = NabScorer.ProbationLength(file.Length);
        return p;
    }

    /// <summary>Writes one CSV per file, <c>timestamp,value,anomaly_score</c>, laid out as NAB's <c>results/</c> folder.</summary>
    public void WriteScores(string dir, double[][] scores)
    {
        for (int f = 0; f < Files.Count; f++)
        {
            var file = Files[f];
            string path = Path.Combine(dir, file.Name);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var w = new StreamWriter(path);
            w.Write("timestamp,value,anomaly_score\n");
            for (int i = 0; i < file.Length; i++)
            {
                w.Write(string.Create(CultureInfo.InvariantCulture, $"{file.Timestamps[i]:yyyy-MM-dd HH:mm:ss},{file.Values[i]:R},{scores[f][i]:R}\n"));
            }
        }
    }

    /// <summary>Scores a detector's outputs under every profile with NAB's threshold sweep.</summary>
    public IReadOnlyList<NabResult> ScoreAll(double[][] scores)
    {
        var results = new List<NabResult>();
        foreach (var profile in Profiles)
        {
            results.Add(NabScorer.Optimize(Files, scores, profile));
        }
        return results;
    }

    /// <summary>Scores a detector's outputs under every profile at one fixed threshold (no sweep).</summary>
    public IReadOnlyList<NabResult> ScoreAt(double[][] scores, double threshold)
    {
        var results = new List<NabResult>();
        foreach (var profile in Profiles)
        {
            results.Add(NabScorer.ScoreAt(Files, scores, profile, threshold));
        }
        return results;
    }

    /// <summary>The JSON document of <c>--json</c>: one entry per detector with its points per second and per-profile results.</summary>
    public static JsonObject ToJson(IEnumerable<(string Name, double PointsPerSecond, IReadOnlyList<NabResult> Results)> detectors, string dataDir, int files, int windows)
    {
        var list = new JsonArray();
        foreach (var (name, pps, results) in detectors)
        {
            var profiles = new JsonObject();
            foreach (var r in results)
            {
                profiles[r.Profile.Name] = new JsonObject
                {
                    ["threshold"] = r.Threshold,
                    ["raw"] = Math.Round(r.Raw, 6),
                    ["score"] = Math.Round(r.Normalized, 3),
                    ["windows_detected"] = r.WindowsDetected,
                    ["false_positives"] = r.FalsePositives,
                };
            }
            list.Add(new JsonObject
            {
                ["name"] = name,
                ["default"] = name == DetectorFactory.DefaultName,
                ["points_per_second"] = Math.Round(pps),
                ["profiles"] = profiles,
            });
        }
        return new JsonObject
        {
            ["data"] = dataDir,
            ["files"] = files,
            ["windows"] = windows,
            ["machine"] = TsdbBench.MachineInfo(),
            ["detectors"] = list,
        };
    }

    private static IReadOnlyList<NabProfile> ReadProfiles(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var profiles = new List<NabProfile>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (!p.Value.TryGetProperty("CostMatrix", out var m))
            {
                throw new InvalidDataException($"{path}: profile \"{p.Name}\" has no CostMatrix");
            }
            profiles.Add(new NabProfile(p.Name, Weight(m, "tpWeight", path, p.Name), Weight(m, "fpWeight", path, p.Name), Weight(m, "fnWeight", path, p.Name)));
        }
        return profiles;
    }

    private static double Weight(JsonElement matrix, string name, string path, string profile)
        => matrix.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble()
            : throw new InvalidDataException($"{path}: profile \"{profile}\" has no numeric {name}");

    private static (DateTime[] Timestamps, double[] Values) ReadCsv(string path)
    {
        var ts = new List<DateTime>();
        var values = new List<double>();
        using var csv = CsvReader.FromFile(path, new CsvReaderOptions { TrackLineNumbers = true, FormatProvider = CultureInfo.InvariantCulture }, FileOptions.SequentialScan);
        csv.ReadHeader();
        var header = csv.Headers ?? [];
        int tsCol = IndexOf(header, "timestamp"), valueCol = IndexOf(header, "value");
        if (tsCol < 0 || valueCol < 0)
        {
            throw new InvalidDataException($"{path}:1: header must have timestamp and value columns, got \"{string.Join(',', header)}\"");
        }
        while (csv.Read())
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"{path}:{csv.LineNumber}");
            ts.Add(ParseTime(csv.GetString(tsCol), where));
            string v = csv.GetString(valueCol);
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                throw new InvalidDataException($"{where}: value \"{v}\" is not a number");
            }
            values.Add(value);
        }
        return (ts.ToArray(), values.ToArray());
    }

    private static int IndexOf(IReadOnlyList<string> header, string name)
    {
        for (int i = 0; i < header.Count; i++)
        {
            if (string.Equals(header[i].Trim(), name, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    private static DateTime ParseTime(string s, string where)
        => DateTime.TryParseExact(s, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.ffffff"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t
            : throw new InvalidDataException($"{where}: timestamp \"{s}\" is not yyyy-MM-dd HH:mm:ss[.ffffff]");
}
