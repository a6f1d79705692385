using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vigil.Analysis.Anomaly;
using Vigil.Core.Storage;

namespace Vigil.Cli.Tests;

/// <summary><c>vigil bench nab</c> in-process on the NAB files of the shared test data.</summary>
public sealed class BenchNabCommandTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("vigil-nab-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    internal static string NabDir()
    {
        string? env = Environment.GetEnvironmentVariable("VIGIL_TESTDATA");
        if (!string.IsNullOrEmpty(env))
        {
            return Path.Combine(env, "nab");
        }
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "testdata", "nab");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"No shared/testdata/nab above {AppContext.BaseDirectory}; set VIGIL_TESTDATA.");
    }

    private sealed class NoStorage : IStorageProvider
    {
        public IStorage Open(StorageSettings settings, ILoggerFactory loggers) => throw new InvalidOperationException("bench needs no storage");

        public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers) => throw new InvalidOperationException("bench needs no storage");

        public IStorage OpenInMemory() => throw new InvalidOperationException("bench needs no storage");
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new NoStorage(), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task BenchNab_OneDetector_PrintsTableBesideScoreboardAndWritesJson()
    {
        string json = Path.Combine(_tmp, "nab.json");
        var (code, output, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "gaussian", "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("NAB: 23 files, 45 windows", output, StringComparison.Ordinal);
        Assert.Matches(@"gaussian\s+standard\s+1\s+-8\.8792\s+40\.13\s+29/45", output);
        Assert.Contains("ARTime (published)", output, StringComparison.Ordinal);
        Assert.Contains("23/23 files", err, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var detector = Assert.Single(doc.RootElement.GetProperty("detectors").EnumerateArray());
        Assert.Equal("gaussian", detector.GetProperty("name").GetString());
        Assert.False(detector.GetProperty("default").GetBoolean());
        Assert.True(detector.GetProperty("points_per_second").GetDouble() > 0);
        var profiles = detector.GetProperty("profiles");
        Assert.Equal(40.132, profiles.GetProperty("standard").GetProperty("score").GetDouble(), 2);
        Assert.Equal(1.0, profiles.GetProperty("standard").GetProperty("threshold").GetDouble());
        Assert.Equal(-24.8792, profiles.GetProperty("reward_low_FN_rate").GetProperty("raw").GetDouble(), 3);
        Assert.True(profiles.TryGetProperty("reward_low_FP_rate", out _));
    }

    [Fact]
    public async Task BenchNab_DefaultDetector_ReachesItsDocumentedScore()
    {
        var (code, output, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "vigil");
        Assert.True(code == 0, err);
        // docs/BENCHMARKS.md records 75.43 / 71.84 / 78.44; the detector is deterministic.
        Assert.Matches(@"vigil\*\s+standard\s+\S+\s+22\.8913\s+75\.43", output);
    }

    private static readonly string[] s_small =
    [
        "artificialNoAnomaly/art_noisy.csv",
        "artificialWithAnomaly/art_daily_jumpsup.csv",
        "realAdExchange/exchange-4_cpc_results.csv",
        "realTraffic/speed_7578.csv",
    ];

    /// <summary>A NAB-style folder under the temp directory with only <paramref name="files"/> (copied from the shared test data at test time).</summary>
    private string SmallNab(string name, IEnumerable<string> files)
    {
        string dir = Path.Combine(_tmp, name);
        string source = NabDir();
        using var labels = JsonDocument.Parse(File.ReadAllText(Path.Combine(source, "labels", "combined_windows.json")));
        var subset = new System.Text.Json.Nodes.JsonObject();
        foreach (string file in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, "data", file))!);
            File.Copy(Path.Combine(source, "data", file), Path.Combine(dir, "data", file));
            subset[file] = System.Text.Json.Nodes.JsonNode.Parse(labels.RootElement.GetProperty(file).GetRawText());
        }
        Directory.CreateDirectory(Path.Combine(dir, "labels"));
        File.WriteAllText(Path.Combine(dir, "labels", "combined_windows.json"), subset.ToJsonString());
        Directory.CreateDirectory(Path.Combine(dir, "config"));
        File.Copy(Path.Combine(source, "config", "profiles.json"), Path.Combine(dir, "config", "profiles.json"));
        return dir;
    }

    private static JsonElement Profile(JsonDocument doc, string profile)
        => doc.RootElement.GetProperty("detectors")[0].GetProperty("profiles").GetProperty(profile);

    [Fact]
    public async Task BenchNab_ThresholdAtTheSweptValue_ReproducesTheSweptScore()
    {
        string dir = SmallNab("small", s_small);
        string swept = Path.Combine(_tmp, "swept.json"), fixedJson = Path.Combine(_tmp, "fixed.json");
        var (code, _, err) = await RunAsync("bench", "nab", "--data", dir, "--detector", "vigil", "--json", swept);
        Assert.True(code == 0, err);
        using var sweep = JsonDocument.Parse(await File.ReadAllTextAsync(swept));
        double threshold = Profile(sweep, "standard").GetProperty("threshold").GetDouble();
        string output;
        (code, output, err) = await RunAsync("bench", "nab", "--data", dir, "--detector", "vigil", "--threshold",
            threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--json", fixedJson);
        Assert.True(code == 0, err);
        Assert.Contains("threshold fixed at", output, StringComparison.Ordinal);
        using var at = JsonDocument.Parse(await File.ReadAllTextAsync(fixedJson));
        Assert.Equal("fixed", at.RootElement.GetProperty("threshold_mode").GetString());
        Assert.Equal(Profile(sweep, "standard").GetProperty("raw").GetDouble(), Profile(at, "standard").GetProperty("raw").GetDouble(), 9);
        Assert.Equal(Profile(sweep, "standard").GetProperty("score").GetDouble(), Profile(at, "standard").GetProperty("score").GetDouble(), 9);
        Assert.Equal(Profile(sweep, "standard").GetProperty("windows_detected").GetInt32(), Profile(at, "standard").GetProperty("windows_detected").GetInt32());
        // Every profile is scored at that one threshold, swept or not.
        Assert.Equal(threshold, Profile(at, "reward_low_FP_rate").GetProperty("threshold").GetDouble());
        // Above every score nothing is detected: the null detector's 0.
        (code, output, err) = await RunAsync("bench", "nab", "--data", dir, "--detector", "vigil", "--threshold", "1.5", "--json", fixedJson);
        Assert.True(code == 0, err);
        using var none = JsonDocument.Parse(await File.ReadAllTextAsync(fixedJson));
        Assert.Equal(0.0, Profile(none, "standard").GetProperty("score").GetDouble(), 9);
        Assert.Equal(0, Profile(none, "standard").GetProperty("false_positives").GetInt32());
    }

    [Fact]
    public async Task BenchNab_Shipped_ScoresAtTheServersThreshold()
    {
        string dir = SmallNab("small", s_small);
        string shippedJson = Path.Combine(_tmp, "shipped.json"), fixedJson = Path.Combine(_tmp, "fixed.json");
        double threshold = DetectorFactory.ShippedThreshold(DetectorFactory.DefaultName);
        // The server's anomalous uses the configured threshold, whose default is the shipped one.
        Assert.Equal(threshold, new Vigil.Analysis.Insights.AnalysisConfig().Threshold);
        var (code, output, err) = await RunAsync("bench", "nab", "--data", dir, "--detector", DetectorFactory.DefaultName, "--shipped", "--json", shippedJson);
        Assert.True(code == 0, err);
        Assert.Contains("shipped threshold", output, StringComparison.Ordinal);
        (code, _, err) = await RunAsync("bench", "nab", "--data", dir, "--detector", DetectorFactory.DefaultName, "--threshold",
            threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--json", fixedJson);
        Assert.True(code == 0, err);
        using var shipped = JsonDocument.Parse(await File.ReadAllTextAsync(shippedJson));
        using var at = JsonDocument.Parse(await File.ReadAllTextAsync(fixedJson));
        Assert.Equal("shipped", shipped.RootElement.GetProperty("threshold_mode").GetString());
        foreach (string profile in new[] { "standard", "reward_low_FP_rate", "reward_low_FN_rate" })
        {
            Assert.Equal(threshold, Profile(shipped, profile).GetProperty("threshold").GetDouble());
            Assert.Equal(Profile(at, profile).GetProperty("raw").GetDouble(), Profile(shipped, profile).GetProperty("raw").GetDouble(), 9);
        }
    }

    [Fact]
    public async Task BenchNab_CrossValidation_FoldsNeverSeeTheirOwnFiles()
    {
        string dir = SmallNab("small", s_small);
        string json = Path.Combine(_tmp, "cv.json");
        var (code, output, err) = await RunAsync("bench", "nab", "--data", dir, "--detector", "gaussian", "--cv", "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("4 folds (one per category)", output, StringComparison.Ordinal);
        Assert.Contains("CV (pooled held-out)", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Equal("cv", doc.RootElement.GetProperty("threshold_mode").GetString());
        var standard = Profile(doc, "standard");
        var folds = standard.GetProperty("folds").EnumerateArray().ToList();
        Assert.Equal(["artificialNoAnomaly", "artificialWithAnomaly", "realAdExchange", "realTraffic"], folds.Select(f => f.GetProperty("category").GetString()));
        double rawSum = 0;
        foreach (var fold in folds)
        {
            var held = fold.GetProperty("held_out_files").EnumerateArray().Select(x => x.GetString()!).ToList();
            var training = fold.GetProperty("training_files").EnumerateArray().Select(x => x.GetString()!).ToList();
            Assert.Empty(held.Intersect(training));
            Assert.Equal(s_small, held.Concat(training).Order(StringComparer.Ordinal));
            Assert.All(held, f => Assert.StartsWith(fold.GetProperty("category").GetString() + "/", f, StringComparison.Ordinal));
            rawSum += fold.GetProperty("raw").GetDouble();
        }
        Assert.Equal(Math.Round(rawSum, 6), standard.GetProperty("cv").GetProperty("raw").GetDouble(), 5);
        Assert.Equal(8, standard.GetProperty("cv").GetProperty("windows").GetInt32());

        // A fold's threshold is what the sweep chooses on its training files alone (its parameters come from the same grid).
        var realTraffic = folds.Single(f => f.GetProperty("category").GetString() == "realTraffic");
        var trainingOnly = realTraffic.GetProperty("training_files").EnumerateArray().Select(x => x.GetString()!).ToList();
        string trainDir = SmallNab("training", trainingOnly);
        string trainJson = Path.Combine(_tmp, "train.json");
        var parameters = realTraffic.GetProperty("parameters").EnumerateObject()
            .SelectMany(p => new[] { "--param", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Name}={p.Value.GetDouble():R}") }).ToList();
        (code, _, err) = await RunAsync(["bench", "nab", "--data", trainDir, "--detector", "gaussian", "--json", trainJson, .. parameters]);
        Assert.True(code == 0, err);
        using var train = JsonDocument.Parse(await File.ReadAllTextAsync(trainJson));
        Assert.Equal(Profile(train, "standard").GetProperty("threshold").GetDouble(), realTraffic.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task BenchNab_ThresholdWithCv_Exits2()
    {
        var (code, _, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "vigil", "--threshold", "0.5", "--cv");
        Assert.Equal(2, code);
        Assert.Contains("at most one", err, StringComparison.Ordinal);
        (code, _, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "vigil", "--nab-inputs");
        Assert.Equal(2, code);
        Assert.Contains("--nab-inputs needs --detector artime", err, StringComparison.Ordinal);
        (code, _, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "vigil", "--parallel", "0");
        Assert.Equal(2, code);
        Assert.Contains("--parallel", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchNab_ArtimeWithNabInputs_ReproducesPublishedScore()
    {
        var (code, output, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "artime", "--nab-inputs");
        Assert.True(code == 0, err);
        // REFERENCE.md: ARTime's published outputs on these files score 73.923 with the threshold swept (0.382773).
        Assert.Matches(@"artime\s+standard\s+0\.382773\s+21\.5309\s+73\.92\s+40/45", output);
    }

    [Fact]
    public async Task BenchNab_CadOseWithNabInputs_ScoresTheVerifiedPortsResult()
    {
        var (code, output, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "cad-ose", "--nab-inputs");
        Assert.True(code == 0, err);
        // The port's outputs equal the original Python program's on 8 of these files (CadOseDetectorTests, docs/ANALYSIS.md);
        // no per-file reference results of CAD OSE exist here, so this pins the score those outputs give (NAB's published
        // 69.9 is over all 58 files).
        Assert.Matches(@"cad-ose\s+standard\s+0\.705128\s+16\.1111\s+67\.90\s+35/45\s+36", output);
    }

    [Fact]
    public async Task BenchNab_UnknownDetector_Exits2NamingIt()
    {
        var (code, _, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "nope");
        Assert.Equal(2, code);
        Assert.Contains("unknown detector \"nope\"", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchNab_FolderWithoutLabels_Exits1NamingTheFile()
    {
        var (code, _, err) = await RunAsync("bench", "nab", "--data", _tmp, "--detector", "vigil");
        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(_tmp, "labels", "combined_windows.json"), err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchNab_BadParameter_Exits2()
    {
        var (code, _, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "vigil", "--param", "window=abc");
        Assert.Equal(2, code);
        Assert.Contains("--param \"window=abc\"", err, StringComparison.Ordinal);
        (code, _, err) = await RunAsync("bench", "nab", "--data", NabDir(), "--detector", "vigil", "--param", "nosuch=1");
        Assert.Equal(2, code);
        Assert.Contains("unknown parameter nosuch", err, StringComparison.Ordinal);
    }
}
