using Vigil.Analysis.Anomaly;

namespace Vigil.Analysis.Tests;

public class AnomalyLikelihoodTests
{
    [Fact]
    public void Probability_DuringLearningAndEstimation_IsOneHalf()
    {
        var l = new AnomalyLikelihood(learningPeriod: 3, estimationSamples: 2, historicWindow: 10, reestimationPeriod: 100, averagingWindow: 1);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(0.5, l.Probability(i, 1.0));
        }
        // The fit (raw scores 1.0) then makes a raw 0.0 far from its mean: no longer one half.
        Assert.True(l.Probability(5, 0.0) > 0.99);
    }

    [Fact]
    public void Probability_AfterEstimation_IsOneMinusTheNormalTailOfTheMovingAverage()
    {
        // By hand: raw scores 0, 0.2, 0.4, 0.2 averaged over 2 are 0, 0.1, 0.3, 0.3: mean 0.175, population variance
        // 0.016875 (σ 0.129904). The next score 0.9 averages with 0.2 to 0.55: z = 2.886751, and nupic's
        // Q(z) = erfc(z / 1.4142) / 2 = 0.00194604; the probability is 1 − Q = 0.998054. Then 0.0 averages to 0.45
        // with the same fit (no re-estimation for 100 points): 1 − Q(2.116951) = 0.982869.
        var l = new AnomalyLikelihood(learningPeriod: 0, estimationSamples: 4, historicWindow: 10, reestimationPeriod: 100, averagingWindow: 2);
        double[] scores = [0.0, 0.2, 0.4, 0.2];
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.Equal(0.5, l.Probability(10 + i, scores[i]));
        }
        Assert.Equal(0.9980539626633849, l.Probability(20, 0.9), 12);
        Assert.Equal(0.175, l.Mean, 12);
        Assert.Equal(0.12990381056766578, l.StandardDeviation, 12);
        Assert.Equal(0.9828688577114599, l.Probability(21, 0.0), 12);
    }

    [Fact]
    public void Probability_LearningPeriod_SkippedInTheFit()
    {
        // The first two averages (raw 1.0 while the model "learns") are skipped: the fit sees only the zeros after them,
        // so its mean and variance are the lower bounds 0.03 and 0.0003.
        var l = new AnomalyLikelihood(learningPeriod: 2, estimationSamples: 4, historicWindow: 100, reestimationPeriod: 100, averagingWindow: 1);
        double[] scores = [1.0, 1.0, 0, 0, 0, 0];
        for (int i = 0; i < scores.Length; i++)
        {
            l.Probability(i, scores[i]);
        }
        l.Probability(6, 0);
        Assert.Equal(0.03, l.Mean, 12);
        Assert.Equal(Math.Sqrt(0.0003), l.StandardDeviation, 12);
    }

    [Fact]
    public void Probability_SecondRedInARow_CappedAtYellow()
    {
        // Zeros fit to the lower bounds (mean 0.03, σ 0.0173): a raw 1.0 is 56σ out, likelihood ≈ 0 (red). The first red
        // passes (probability ≈ 1); the next, after a red, is capped at the yellow likelihood 0.001 (probability 0.999).
        var l = new AnomalyLikelihood(learningPeriod: 0, estimationSamples: 20, historicWindow: 100, reestimationPeriod: 100, averagingWindow: 1);
        for (int i = 0; i < 20; i++)
        {
            l.Probability(i, 0);
        }
        Assert.Equal(1.0, l.Probability(20, 1.0), 12);
        Assert.Equal(1.0 - (1.0 - 0.999), l.Probability(21, 1.0), 15);
        Assert.Equal(1.0 - (1.0 - 0.999), l.Probability(22, 1.0), 15);
        Assert.True(l.Probability(23, 0) < 0.99);
    }

    [Fact]
    public void Probability_FlatValues_NullDistributionMakesEveryScoreLikely()
    {
        // A constant metric (variance < 1.5e-5) gets nupic's null distribution (mean 0.5, σ 1000): even a raw score of 1
        // is unremarkable, 1 − Q(0.0005) ≈ 0.5002.
        var l = new AnomalyLikelihood(learningPeriod: 0, estimationSamples: 20, historicWindow: 100, reestimationPeriod: 100, averagingWindow: 1);
        for (int i = 0; i < 20; i++)
        {
            l.Probability(42.0, i % 2 == 0 ? 0.0 : 0.5);
        }
        Assert.Equal(0.5002, l.Probability(42.0, 1.0), 4);
        Assert.Equal(0.5, l.Mean);
        Assert.Equal(1000, l.StandardDeviation);
    }

    [Fact]
    public void Probability_Reestimation_RefitsOnlyEveryPeriodOverTheHistoricWindow()
    {
        var l = new AnomalyLikelihood(learningPeriod: 0, estimationSamples: 10, historicWindow: 10, reestimationPeriod: 5, averagingWindow: 1);
        for (int i = 0; i < 10; i++)
        {
            l.Probability(i, 0.5); // a fit at iteration 10 sees ten 0.5s: mean 0.5
        }
        l.Probability(10, 0.9);
        Assert.Equal(0.5, l.Mean, 12);
        for (int i = 11; i < 15; i++)
        {
            l.Probability(i, 0.9);
            Assert.Equal(0.5, l.Mean, 12); // no refit before iteration 15
        }
        l.Probability(15, 0.9); // refit over the last ten raw scores: five 0.5s and five 0.9s
        Assert.Equal(0.7, l.Mean, 12);
        Assert.Equal(0.2, l.StandardDeviation, 12);
    }

    [Theory]
    [InlineData(100, 8640, 375, 100)]
    [InlineData(375, 8640, 375, 375)]
    [InlineData(9000, 8640, 375, 15)]
    [InlineData(10000, 8640, 375, 0)]
    public void SkipRecords_AfterTheWindowSlides_SkipsOnlyWhatIsStillInIt(long ingested, int window, int learning, long expected)
        => Assert.Equal(expected, AnomalyLikelihood.SkipRecords(ingested, window, learning));

    [Fact]
    public void LogLikelihood_NabScale_DecadesOfTheTail()
    {
        // log(1.0000000001 − p) / log(1e-10): 0.5 → 0.0301 (NAB's value during the probation), 0.999 → 0.3, 1 → 1.
        Assert.Equal(0.0301029996658834, AnomalyLikelihood.LogLikelihood(0.5), 12);
        Assert.Equal(0.29999999673506555, AnomalyLikelihood.LogLikelihood(0.999), 12);
        Assert.Equal(1.0, AnomalyLikelihood.LogLikelihood(1.0), 6);
    }

    [Fact]
    public void TailProbability_BelowTheMean_Mirrored()
        => Assert.Equal(AnomalyLikelihood.TailProbability(0.7, 0.5, 0.1), AnomalyLikelihood.TailProbability(0.3, 0.5, 0.1), 15);

    [Fact]
    public void LikelihoodDetector_WrapsInnerScores_LogLikelihoodOfTheirProbability()
    {
        // The wrapper's output is NAB's log transform of the likelihood fed with the inner detector's raw scores.
        var values = Synthetic.Series(3000, seed: 3);
        values[2500] += 40;
        var wrapped = DetectorFactory.Create("vigil+likelihood", new Dictionary<string, double> { ["probation"] = 600 });
        var inner = DetectorFactory.Create("vigil");
        var likelihood = new AnomalyLikelihood(learningPeriod: 300, estimationSamples: 300);
        for (int i = 0; i < values.Length; i++)
        {
            double expected = Math.Max(0, AnomalyLikelihood.LogLikelihood(likelihood.Probability(values[i], inner.Score(i * 1000L, values[i]))));
            Assert.Equal(expected, wrapped.Score(i * 1000L, values[i]), 15);
        }
    }

    [Fact]
    public void Create_LikelihoodParameters_UnknownOnesNamedAndOthersPassedToTheInnerDetector()
    {
        var e = Assert.Throws<ArgumentException>(() => DetectorFactory.Create("vigil+likelihood", new Dictionary<string, double> { ["likelihood_bogus"] = 1 }));
        Assert.Contains("likelihood_bogus", e.Message, StringComparison.Ordinal);
        var inner = Assert.Throws<ArgumentException>(() => DetectorFactory.Create("vigil+likelihood", new Dictionary<string, double> { ["bogus"] = 1 }));
        Assert.Contains("detector vigil: unknown parameter bogus", inner.Message, StringComparison.Ordinal);
        Assert.Equal("vigil+likelihood", DetectorFactory.Create("vigil+likelihood", new Dictionary<string, double> { ["window"] = 5000 }).Name);
    }
}
