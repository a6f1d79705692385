using Vigil.Analysis.Nab;

namespace Vigil.Analysis.Tests;

public class NabScorerTests
{
    private const string JumpsUp = "artificialWithAnomaly/art_daily_jumpsup.csv";
    private const string Noisy = "artificialNoAnomaly/art_noisy.csv";

    private static NabProfile ProfileNamed(string name) => NabProfile.All.Single(p => p.Name == name);

    private static double[] Synthetic(NabSeries s, Func<NabSeries, NabScorer.PreparedFile, IEnumerable<int>> rows)
    {
        var scores = new double[s.Length];
        foreach (int i in rows(s, NabScorer.Prepare(s)))
        {
            scores[i] = 1.0;
        }
        return scores;
    }

    private static IEnumerable<(int Left, int Right)> Ranges(NabScorer.PreparedFile p)
    {
        for (int w = 0; w < p.WindowCount; w++)
        {
            int left = Array.IndexOf(p.Window, w);
            int right = Array.LastIndexOf(p.Window, w);
            yield return (left, right);
        }
    }

    public static TheoryData<string, string, string, double> SyntheticVectors() => new()
    {
        // SCORING.md §10.2, per-file columns for the two files of the table that are in this folder.
        { "first", "standard", JumpsUp, 1.0 },
        { "first", "reward_low_FN_rate", Noisy, 0.0 },
        { "firstPlusFp", "standard", JumpsUp, 0.89 },
        { "firstPlusFp", "reward_low_FP_rate", JumpsUp, 0.78 },
        { "firstPlusFp", "reward_low_FN_rate", Noisy, -0.11 },
        { "firstPlusFp", "reward_low_FP_rate", Noisy, -0.22 },
        { "centre", "standard", JumpsUp, 0.860672 },
        { "last", "reward_low_FN_rate", JumpsUp, 0.006288 },
        { "afterWindow", "standard", JumpsUp, -1.000684 },
        { "afterWindow", "reward_low_FP_rate", JumpsUp, -1.001368 },
        { "afterWindow", "reward_low_FN_rate", JumpsUp, -2.000684 },
        { "lastOfFile", "standard", JumpsUp, -1.109994 },
        { "lastOfFile", "reward_low_FP_rate", JumpsUp, -1.219988 },
        { "lastOfFile", "reward_low_FN_rate", Noisy, -0.11 },
        { "every", "standard", JumpsUp, -319.545053 },
        { "every", "reward_low_FP_rate", JumpsUp, -640.090106 },
        { "every", "standard", Noisy, -377.08 },
        { "every", "reward_low_FP_rate", Noisy, -754.16 },
    };

    [Theory]
    [MemberData(nameof(SyntheticVectors))]
    public void FileRaw_SyntheticDetector_MatchesScoringSpec(string detector, string profile, string file, double expected)
    {
        var s = NabTestData.File(file);
        var scores = Synthetic(s, Rows(detector));
        Assert.Equal(expected, NabScorer.FileRaw(s, scores, ProfileNamed(profile), 0.5), 6);
    }

    private static Func<NabSeries, NabScorer.PreparedFile, IEnumerable<int>> Rows(string detector) => detector switch
    {
        "first" => (s, p) => Ranges(p).Select(r => r.Left),
        "firstPlusFp" => (s, p) => Ranges(p).Select(r => r.Left).Append(p.Probation),
        "centre" => (s, p) => Ranges(p).Select(r => (r.Left + r.Right) / 2),
        "last" => (s, p) => Ranges(p).Select(r => r.Right),
        "afterWindow" => (s, p) => Ranges(p).Select(r => r.Right + 1),
        "lastOfFile" => (s, p) => [s.Length - 1],
        "every" => (s, p) => Enumerable.Range(0, s.Length),
        _ => throw new ArgumentException(detector),
    };

    [Fact]
    public void ScoreAt_PerfectDetectorOnFolder_Scores100InEveryProfile()
    {
        var files = NabTestData.Corpus;
        var scores = files.Select(s => Synthetic(s, Rows("first"))).ToList();
        foreach (var profile in NabProfile.All)
        {
            var r = NabScorer.ScoreAt(files, scores, profile, 0.5);
            Assert.Equal(45.0, r.Raw, 9);
            Assert.Equal(100.0, r.Normalized, 9);
            Assert.Equal(45, r.WindowsDetected);
            Assert.Equal(0, r.FalsePositives);
        }
    }

    [Fact]
    public void ScoreAt_PerfectPlusOneFalsePositivePerFile_LosesOneFalsePositiveWeightPerFile()
    {
        var files = NabTestData.Corpus;
        var scores = files.Select(s => Synthetic(s, Rows("firstPlusFp"))).ToList();
        Assert.Equal(23, files.Count);
        var standard = NabScorer.ScoreAt(files, scores, NabProfile.Standard, 0.5);
        Assert.Equal(45 - (23 * 0.11), standard.Raw, 9);
        Assert.Equal(100 * (standard.Raw + 45) / 90, standard.Normalized, 9);
        var lowFn = NabScorer.ScoreAt(files, scores, NabProfile.RewardLowFalseNegatives, 0.5);
        Assert.Equal(100 * (lowFn.Raw + 90) / 135, lowFn.Normalized, 9);
        Assert.Equal(23, lowFn.FalsePositives);
    }

    [Fact]
    public void Optimize_ConstantHalf_DetectsNothingAtThreshold1Point1()
    {
        var files = NabTestData.Corpus;
        var scores = files.Select(s => Enumerable.Repeat(0.5, s.Length).ToArray()).ToList();
        var std = NabScorer.Optimize(files, scores, NabProfile.Standard);
        Assert.Equal(1.1, std.Threshold);
        Assert.Equal(-45, std.Raw, 9);
        Assert.Equal(0, std.Normalized, 9);
        var lowFn = NabScorer.Optimize(files, scores, NabProfile.RewardLowFalseNegatives);
        Assert.Equal(-90, lowFn.Raw, 9);
    }

    public static TheoryData<string, string, double, double, double> PublishedThresholds() => new()
    {
        // REFERENCE.md §2 totals at NAB's published thresholds.
        { "ARTime", "standard", 0.317486, 20.034540, 72.261 },
        { "ARTime", "reward_low_FP_rate", 0.317585, 10.701970, 61.891 },
        { "ARTime", "reward_low_FN_rate", 0.317486, 15.034540, 77.803 },
        { "windowedGaussian", "standard", 1.0, -8.989317, 40.012 },
        { "windowedGaussian", "reward_low_FP_rate", 1.0, -27.288160, 19.680 },
        { "windowedGaussian", "reward_low_FN_rate", 1.0, -24.989317, 48.156 },
    };

    [Theory]
    [MemberData(nameof(PublishedThresholds))]
    public void ScoreAt_PublishedDetectorAtPublishedThreshold_MatchesReference(string detector, string profile, double threshold, double raw, double normalized)
    {
        var files = NabTestData.Corpus;
        var scores = files.Select(s => NabTestData.ReferenceScores(detector, s.Name)).ToList();
        var r = NabScorer.ScoreAt(files, scores, ProfileNamed(profile), threshold);
        Assert.Equal(raw, r.Raw, 2e-6);
        Assert.Equal(normalized, r.Normalized, 1e-3);
    }

    public static TheoryData<string, string, double, double, double> SweptThresholds() => new()
    {
        // REFERENCE.md §1: threshold swept on these files.
        { "ARTime", "standard", 0.382773, 21.530898, 73.923 },
        { "ARTime", "reward_low_FP_rate", 0.497367, 15.160235, 66.845 },
        { "ARTime", "reward_low_FN_rate", 0.382773, 16.530898, 78.912 },
        { "windowedGaussian", "standard", 1.0, -8.989317, 40.012 },
        { "windowedGaussian", "reward_low_FP_rate", 1.0, -27.288160, 19.680 },
        { "windowedGaussian", "reward_low_FN_rate", 1.0, -24.989317, 48.156 },
    };

    [Theory]
    [MemberData(nameof(SweptThresholds))]
    public void Optimize_PublishedDetector_FindsReferenceThresholdAndScore(string detector, string profile, double threshold, double raw, double normalized)
    {
        var files = NabTestData.Corpus;
        var scores = files.Select(s => NabTestData.ReferenceScores(detector, s.Name)).ToList();
        var r = NabScorer.Optimize(files, scores, ProfileNamed(profile));
        Assert.Equal(threshold, r.Threshold, 6);
        Assert.Equal(raw, r.Raw, 2e-6);
        Assert.Equal(normalized, r.Normalized, 1e-3);
    }

    [Fact]
    public void FileRaw_ArtimeOnMachineTemperature_MatchesReferencePerFileRow()
    {
        const string name = "realKnownCause/machine_temperature_system_failure.csv";
        var s = NabTestData.File(name);
        var scores = NabTestData.ReferenceScores("ARTime", name);
        Assert.Equal(2.556330, NabScorer.FileRaw(s, scores, NabProfile.Standard, 0.317486), 6);
        Assert.Equal(1.518427, NabScorer.FileRaw(s, scores, NabProfile.RewardLowFalsePositives, 0.317585), 6);
    }

    [Fact]
    public void FileRaw_WindowEndNotInData_ThrowsNamingFileAndWindow()
    {
        var t0 = new DateTime(2020, 1, 1);
        var ts = Enumerable.Range(0, 10).Select(i => t0.AddMinutes(i)).ToArray();
        var s = new NabSeries("x/y.csv", ts, new double[10], [new NabWindow(t0.AddMinutes(3), t0.AddMinutes(30))]);
        var e = Assert.Throws<ArgumentException>(() => NabScorer.FileRaw(s, new double[10], NabProfile.Standard, 0.5));
        Assert.Contains("x/y.csv: window 1 ends at 2020-01-01 00:30:00", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimize_ScoreOutsideUnitInterval_ThrowsNamingFileAndRow()
    {
        var s = NabTestData.File(Noisy);
        var scores = new double[s.Length];
        scores[1000] = 1.5;
        var e = Assert.Throws<ArgumentException>(() => NabScorer.Optimize([s], [scores], NabProfile.Standard));
        Assert.Contains("art_noisy.csv: row 1001", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScaledSigmoid_KnownPoints_MatchSpec()
    {
        Assert.Equal(0.98661, NabScorer.ScaledSigmoid(-1), 5);
        Assert.Equal(0.84828, NabScorer.ScaledSigmoid(-0.5), 5);
        Assert.Equal(0.0, NabScorer.ScaledSigmoid(0), 12);
        Assert.Equal(-1.0, NabScorer.ScaledSigmoid(3.0001), 12);
        Assert.Equal(750, NabScorer.ProbationLength(22695));
        Assert.Equal(604, NabScorer.ProbationLength(4032));
    }
}
