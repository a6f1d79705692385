using Vigil.Analysis.Nab;

namespace Vigil.Analysis.Tests;

public class NabCrossValidationTests
{
    private static readonly string[] s_names =
    [
        "artificialNoAnomaly/art_noisy.csv",
        "artificialWithAnomaly/art_daily_jumpsup.csv",
        "realTraffic/speed_7578.csv",
        "realAdExchange/exchange-4_cpc_results.csv",
    ];

    private static List<NabSeries> Files() => [.. s_names.Select(NabTestData.File)];

    /// <summary>Scores that hit the first row of every window at <paramref name="hit"/> and one row outside at <paramref name="noise"/>.</summary>
    private static double[] Scores(NabSeries s, double hit, double noise)
    {
        var p = NabScorer.Prepare(s);
        var scores = new double[s.Length];
        for (int w = 0; w < p.WindowCount; w++)
        {
            scores[Array.IndexOf(p.Window, w)] = hit;
        }
        scores[p.Probation] = noise;
        return scores;
    }

    [Fact]
    public void CategoryOf_NabName_IsTheFolder()
    {
        Assert.Equal("realTweets", NabCrossValidation.CategoryOf("realTweets/Twitter_volume_FB.csv"));
        Assert.Equal("", NabCrossValidation.CategoryOf("flat.csv"));
    }

    [Fact]
    public void Run_EveryFold_NeverTrainsOnItsOwnFiles()
    {
        var files = Files();
        var scores = files.Select(s => Scores(s, 0.9, 0.2)).ToArray();
        var r = NabCrossValidation.Run(files, [new Dictionary<string, double>()], [scores], NabProfile.Standard);
        Assert.Equal(["artificialNoAnomaly", "artificialWithAnomaly", "realAdExchange", "realTraffic"], r.Folds.Select(f => f.Category));
        foreach (var fold in r.Folds)
        {
            Assert.Empty(fold.HeldOutFiles.Intersect(fold.TrainingFiles));
            Assert.Equal(s_names.Order(StringComparer.Ordinal), fold.HeldOutFiles.Concat(fold.TrainingFiles).Order(StringComparer.Ordinal));
            Assert.All(fold.HeldOutFiles, n => Assert.Equal(fold.Category, NabCrossValidation.CategoryOf(n)));
            Assert.All(fold.TrainingFiles, n => Assert.NotEqual(fold.Category, NabCrossValidation.CategoryOf(n)));
        }
    }

    [Fact]
    public void Run_PooledScore_IsTheHeldOutRawsNormalizedOverAllWindows()
    {
        var files = Files();
        var scores = files.Select(s => Scores(s, 0.9, 0.2)).ToArray();
        var r = NabCrossValidation.Run(files, [new Dictionary<string, double>()], [scores], NabProfile.Standard);
        double raw = r.Folds.Sum(f => f.HeldOut.Raw);
        int windows = files.Sum(f => f.Windows.Count);
        Assert.Equal(raw, r.Pooled.Raw, 12);
        Assert.Equal(windows, r.Pooled.Windows);
        Assert.Equal(NabScorer.Normalize(raw, windows, NabProfile.Standard), r.Pooled.Normalized, 12);
        // Each training set is best served by 0.9 (every window, no false positive), so every held-out fold is perfect.
        Assert.All(r.Folds, f => Assert.Equal(0.9, f.Training.Threshold));
        Assert.Equal(100.0, r.Pooled.Normalized, 9);
    }

    [Fact]
    public void Run_ThresholdFromOtherFolds_IsAppliedToTheHeldOutFold()
    {
        // Hits score 0.9 in every file but art_daily_jumpsup, where its window's first row scores only 0.5: trained on
        // the others, the threshold stays 0.9 and that window is missed when its fold is held out.
        var files = Files();
        var scores = files.Select(s => Scores(s, s.Name.Contains("jumpsup", StringComparison.Ordinal) ? 0.5 : 0.9, 0.2)).ToArray();
        var r = NabCrossValidation.Run(files, [new Dictionary<string, double>()], [scores], NabProfile.Standard);
        var fold = r.Folds.Single(f => f.Category == "artificialWithAnomaly");
        Assert.Equal(0.9, fold.Training.Threshold);
        Assert.Equal(0, fold.HeldOut.WindowsDetected);
        Assert.Equal(-1.0, fold.HeldOut.Raw, 12);
        // In-sample, the sweep goes down to 0.5 and catches it.
        Assert.Equal(0.5, r.InSample.Threshold);
        Assert.Equal(r.InSample.Windows, r.InSample.WindowsDetected);
    }

    [Fact]
    public void Run_Grid_ChoosesTheParameterSetBestOnTheTrainingFolds()
    {
        var files = Files();
        var good = files.Select(s => Scores(s, 0.9, 0.2)).ToArray();
        var bad = files.Select(s => Scores(s, 0.1, 0.95)).ToArray();
        var grid = new[] { new Dictionary<string, double> { ["k"] = 1 }, new Dictionary<string, double> { ["k"] = 2 } };
        var r = NabCrossValidation.Run(files, grid, [bad, good], NabProfile.Standard);
        Assert.All(r.Folds, f => Assert.Equal(2, f.Parameters["k"]));
        Assert.Equal(2, r.InSampleParameters["k"]);
    }

    [Fact]
    public void Run_OneCategory_ThrowsNamingIt()
    {
        var files = new List<NabSeries> { NabTestData.File("realTraffic/speed_7578.csv") };
        var e = Assert.Throws<ArgumentException>(() => NabCrossValidation.Run(files, [new Dictionary<string, double>()], [[new double[files[0].Length]]], NabProfile.Standard));
        Assert.Contains("at least two NAB categories", e.Message, StringComparison.Ordinal);
    }
}
