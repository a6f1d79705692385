using Vigil.Analysis.Anomaly;
using Vigil.Analysis.Nab;

namespace Vigil.Analysis.Tests;

public class CadOseDetectorTests
{
    private static double[] Run(NabSeries file, Dictionary<string, double> parameters)
    {
        var d = DetectorFactory.Create("cad-ose", parameters);
        var scores = new double[file.Length];
        for (int i = 0; i < file.Length; i++)
        {
            scores[i] = d.Score(i * 300_000L, file.Values[i]);
        }
        return scores;
    }

    private static Dictionary<string, double> NabInputs(NabSeries file) => new()
    {
        ["input_min"] = file.Values.Min(),
        ["input_max"] = file.Values.Max(),
        ["probation"] = NabScorer.ProbationLength(file.Length),
    };

    [Fact]
    public void Score_NabInputs_MatchesThePythonReferenceRun()
    {
        // NAB's context_ose run under Python 2.7 on this file: 1867 non-zero scores summing to 357.85087360053643, and
        // one score at or above 0.7, on row 2988 (the jump). Every row matched to 1e-9 when this port was checked.
        var file = NabTestData.File("artificialWithAnomaly/art_daily_jumpsup.csv");
        var scores = Run(file, NabInputs(file));
        Assert.Equal(1867, scores.Count(s => s > 0));
        Assert.Equal(357.85087360053643, scores.Sum(), 9);
        Assert.Equal([2988], Enumerable.Range(0, scores.Length).Where(i => scores[i] >= 0.7));
    }

    [Fact]
    public void TupleHash_Python2TupleHash_KnownValues()
    {
        // Python 2.7, 64-bit: hash(()) == 3527539 and hash((1, 2, 3)) == 2528502973977326415.
        Assert.Equal(3527539L, CadOseDetector.TupleHash([]));
        Assert.Equal(2528502973977326415L, CadOseDetector.TupleHash([1, 2, 3]));
    }

    [Theory]
    [InlineData(5.0, new long[] { 65537, 65538, 65541 })]   // bin 5: "101"
    [InlineData(0.0, new long[] { 65536, 65538, 65540 })]   // bin 0: "" padded to "000"
    [InlineData(7.0, new long[] { 65537, 65539, 65541 })]   // bin 7: "111"
    [InlineData(9.0, new long[] { 65537, 65538, 65540, 65543 })]   // beyond the range: "1001", a fourth bit never seen
    [InlineData(-3.0, new long[] { 65537, 65539, 65540, 65542, 65544 })]   // "-0b11": the '1's, 'b', '0' and '-' as facts
    public void SensorFacts_ValueBins_OneFactPerBinaryDigit(double value, long[] expected)
    {
        var d = new CadOseDetector(new Dictionary<string, double> { ["input_min"] = 0, ["input_max"] = 7 });
        Assert.Equal(expected, d.SensorFacts(value));
    }

    [Fact]
    public void Score_StreamingRange_LearntInProbationThenSameAsGivenRange()
    {
        // The streaming detector buffers the probation, takes its range widened by range_margin, and replays it: from then
        // on it scores exactly as a detector given that range.
        var file = NabTestData.File("realTraffic/speed_7578.csv");
        var streaming = Run(file, new Dictionary<string, double> { ["probation"] = 300, ["range_margin"] = 0.5 });
        var head = file.Values.Take(300).ToArray();
        double lo = head.Min(), hi = head.Max(), pad = (hi - lo) * 0.5;
        var given = Run(file, new Dictionary<string, double> { ["probation"] = 300, ["input_min"] = lo - pad, ["input_max"] = hi + pad });
        Assert.All(Enumerable.Range(0, 299), i => Assert.Equal(0, streaming[i]));
        Assert.Equal(given.Skip(299), streaming.Skip(299));
        Assert.Contains(streaming, s => s > 0.5);
    }

    [Fact]
    public void Score_MaxContexts_StopsTheMemoryGrowing()
    {
        var file = NabTestData.File("realTweets/Twitter_volume_GOOG.csv");
        var bounded = new CadOseDetector(new Dictionary<string, double> { ["max_contexts"] = 500 });
        var unbounded = new CadOseDetector();
        for (int i = 0; i < 4000; i++)
        {
            bounded.Score(i * 300_000L, file.Values[i]);
            unbounded.Score(i * 300_000L, file.Values[i]);
        }
        Assert.Equal(500, bounded.Contexts);
        Assert.True(unbounded.Contexts > 1000, $"{unbounded.Contexts} contexts");
    }
}

public class EnsembleDetectorTests
{
    [Fact]
    public void Score_MaxMode_IsTheLargerNormalisedMemberScoreMapped()
    {
        // The ensemble's output is n / (n + 1) of the larger of vigil / 0.0143 and cad-ose / 0.7, member by member.
        var values = Synthetic.Series(2500, seed: 5);
        values[2000] += 40;
        var ensemble = DetectorFactory.Create("ensemble");
        var vigil = DetectorFactory.Create("vigil");
        var cad = DetectorFactory.Create("cad-ose");
        for (int i = 0; i < values.Length; i++)
        {
            double n = Math.Max(vigil.Score(i, values[i]) / 0.0143, cad.Score(i, values[i]) / 0.7);
            Assert.Equal(n / (n + 1), ensemble.Score(i, values[i]), 15);
        }
    }

    [Fact]
    public void Score_MeanMode_NeedsBothMembers()
    {
        var values = Synthetic.Series(2500, seed: 5);
        values[2000] += 40;
        var max = DetectorFactory.Create("ensemble");
        var mean = DetectorFactory.Create("ensemble", new Dictionary<string, double> { ["mode"] = 1 });
        for (int i = 0; i < values.Length; i++)
        {
            double a = max.Score(i, values[i]), b = mean.Score(i, values[i]);
            Assert.True(b <= a, $"point {i}: mean {b} above max {a}");
        }
    }
}
