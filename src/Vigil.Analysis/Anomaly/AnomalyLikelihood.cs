using MathNet.Numerics;

namespace Vigil.Analysis.Anomaly;

/// <summary>
/// Numenta's anomaly likelihood (nupic's <c>anomaly_likelihood.AnomalyLikelihood</c>, as NAB's numenta detector uses
/// it), written from its description and source: raw anomaly scores are averaged over the last
/// <c>averagingWindow</c> points; a normal distribution is fitted to those averages over the last
/// <c>historicWindow</c> points (re-estimated every <c>reestimationPeriod</c> points, the first
/// <c>learningPeriod</c> points skipped, mean at least 0.03 and variance at least 0.0003, a broad "null" distribution
/// when there are too few points or the series' values are flat); the likelihood of a new average is its upper tail
/// probability, and a second red value in a row is capped at the yellow level. The probability reported is one minus
/// the likelihood, 0.5 until <c>learningPeriod + estimationSamples</c> points have been seen.
/// </summary>
/// <remarks>
/// Kept as in nupic, quirks included: the Q function divides by 1.4142 rather than √2, the red/yellow filter compares
/// with the previous unfiltered likelihood, and the moving average restarts at the start of the history at each
/// re-estimation. Memory: the history (two doubles per point, up to <c>historicWindow</c> points) plus a few dozen
/// doubles. Not thread-safe.
/// </remarks>
internal sealed class AnomalyLikelihood
{
    // Note: nupic's thresholds are written as 0.99999 and 0.999 and subtracted from one; kept so for identical doubles.
    private const double Red = 1.0 - 0.99999;
    private const double Yellow = 1.0 - 0.999;
    private const double FlatVariance = 1.5e-5;

    private readonly int _learningPeriod;
    private readonly int _probationaryPeriod;
    private readonly int _historicWindow;
    private readonly int _reestimationPeriod;
    private readonly int _averagingWindow;

    // The history of (value, raw score), oldest first, as a ring.
    private readonly double[] _historyValues;
    private readonly double[] _historyScores;
    private int _historyStart;
    private int _historyCount;

    private long _iteration;
    private bool _hasDistribution;
    private double _mean;
    private double _stdev;

    // The moving average's window of raw scores (oldest first) and its running total.
    private readonly Queue<double> _averaged = new();
    private double _total;

    // The last unfiltered likelihoods (at most the averaging window).
    private readonly Queue<double> _likelihoods = new();

    public AnomalyLikelihood(int learningPeriod = 288, int estimationSamples = 100, int historicWindow = 8640, int reestimationPeriod = 100, int averagingWindow = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(learningPeriod);
        ArgumentOutOfRangeException.ThrowIfNegative(estimationSamples);
        ArgumentOutOfRangeException.ThrowIfLessThan(historicWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(reestimationPeriod, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(averagingWindow, 1);
        if (historicWindow < estimationSamples)
        {
            throw new ArgumentException($"the historic window ({historicWindow}) must be at least the estimation samples ({estimationSamples}).");
        }
        _learningPeriod = learningPeriod;
        _probationaryPeriod = learningPeriod + estimationSamples;
        _historicWindow = historicWindow;
        _reestimationPeriod = reestimationPeriod;
        _averagingWindow = averagingWindow;
        _historyValues = new double[historicWindow];
        _historyScores = new double[historicWindow];
    }

    public int LearningPeriod => _learningPeriod;

    public int EstimationSamples => _probationaryPeriod - _learningPeriod;

    public int HistoricWindow => _historicWindow;

    public int ReestimationPeriod => _reestimationPeriod;

    public int AveragingWindow => _averagingWindow;

    /// <summary>The mean of the fitted normal distribution (NaN before the first estimate).</summary>
    public double Mean => _hasDistribution ? _mean : double.NaN;

    /// <summary>The standard deviation of the fitted normal distribution (NaN before the first estimate).</summary>
    public double StandardDeviation => _hasDistribution ? _stdev : double.NaN;

    /// <summary>nupic's <c>anomalyProbability</c>: the probability that the point with this value and raw score is anomalous.</summary>
    public double Probability(double value, double rawScore)
    {
        double probability = 0.5;
        if (_iteration >= _probationaryPeriod)
        {
            if (!_hasDistribution || _iteration % _reestimationPeriod == 0)
            {
                Estimate(SkipRecords(_iteration, _historicWindow, _learningPeriod));
            }
            double average = PushAverage(rawScore);
            double likelihood = TailProbability(average, _mean, _stdev);
            double previous = _likelihoods.Count > 0 ? _likelihoods.Last() : 1.0;
            double filtered = likelihood <= Red && previous <= Red ? Yellow : likelihood;
            _likelihoods.Enqueue(likelihood);
            while (_likelihoods.Count > _averagingWindow)
            {
                _likelihoods.Dequeue();
            }
            probability = 1.0 - filtered;
        }
        Append(value, rawScore);
        _iteration++;
        return probability;
    }

    /// <summary>NAB's log scale of a probability: log(1.0000000001 − p) / log(1 − 0.9999999999), about 1 at p = 1.</summary>
    public static double LogLikelihood(double probability) => Math.Log(1.0000000001 - probability) / -23.02585084720009;

    /// <summary>The normal Q function as nupic computes it (mirrored below the mean, erfc(z / 1.4142) / 2).</summary>
    public static double TailProbability(double x, double mean, double stdev)
    {
        if (x < mean)
        {
            x = (2 * mean) - x;
        }
        double z = (x - mean) / stdev;
        return 0.5 * SpecialFunctions.Erfc(z / 1.4142);
    }

    /// <summary>nupic's <c>_calcSkipRecords</c>: the learning period less what has already left the history window.</summary>
    public static long SkipRecords(long ingested, int window, int learningPeriod)
    {
        long shiftedOut = Math.Max(0, ingested - window);
        return Math.Min(ingested, Math.Max(0, learningPeriod - shiftedOut));
    }

    private double PushAverage(double score)
    {
        if (_averaged.Count == _averagingWindow)
        {
            _total -= _averaged.Dequeue();
        }
        _averaged.Enqueue(score);
        _total += score;
        return _total / _averaged.Count;
    }

    private void Append(double value, double score)
    {
        int at = (_historyStart + _historyCount) % _historicWindow;
        _historyValues[at] = value;
        _historyScores[at] = score;
        if (_historyCount < _historicWindow)
        {
            _historyCount++;
        }
        else
        {
            _historyStart = (_historyStart + 1) % _historicWindow;
        }
    }

    /// <summary>nupic's <c>estimateAnomalyLikelihoods</c> over the history, keeping only its parameters.</summary>
    private void Estimate(long skip)
    {
        int n = _historyCount;
        var averages = new double[n];
        _averaged.Clear();
        _total = 0;
        for (int i = 0; i < n; i++)
        {
            averages[i] = PushAverage(_historyScores[(_historyStart + i) % _historicWindow]);
        }
        if (n <= skip)
        {
            SetNull();
        }
        else
        {
            int from = (int)skip;
            var (mean, variance) = MeanVariance(averages, from);
            mean = Math.Max(mean, 0.03);
            variance = Math.Max(variance, 0.0003);
            _hasDistribution = true;
            _mean = mean;
            _stdev = Math.Sqrt(variance);
            var values = new double[n - from];
            for (int i = from; i < n; i++)
            {
                values[i - from] = _historyValues[(_historyStart + i) % _historicWindow];
            }
            if (MeanVariance(values, 0).Variance < FlatVariance)
            {
                SetNull();
            }
        }
        _likelihoods.Clear();
        for (int i = Math.Max(0, n - _averagingWindow); i < n; i++)
        {
            _likelihoods.Enqueue(TailProbability(averages[i], _mean, _stdev));
        }
    }

    private void SetNull()
    {
        _hasDistribution = true;
        _mean = 0.5;
        _stdev = 1e3;
    }

    private static (double Mean, double Variance) MeanVariance(double[] values, int from)
    {
        double sum = 0;
        for (int i = from; i < values.Length; i++)
        {
            sum += values[i];
        }
        double mean = sum / (values.Length - from);
        double squares = 0;
        for (int i = from; i < values.Length; i++)
        {
            double d = values[i] - mean;
            squares += d * d;
        }
        return (mean, squares / (values.Length - from));
    }

    public void Write(StateWriter w)
    {
        w.Write(_iteration);
        w.Write(_historyCount);
        for (int i = 0; i < _historyCount; i++)
        {
            int at = (_historyStart + i) % _historicWindow;
            w.Write(_historyValues[at]);
            w.Write(_historyScores[at]);
        }
        w.Write(_hasDistribution);
        w.Write(_mean);
        w.Write(_stdev);
        w.Write([.. _averaged]);
        w.Write(_total);
        w.Write([.. _likelihoods]);
    }

    public void Read(StateReader r)
    {
        _iteration = r.ReadLong();
        int count = r.ReadInt();
        if (count < 0 || count > _historicWindow || count > _iteration)
        {
            throw new FormatException($"detector state: {count} likelihood history points, at most {Math.Min(_historicWindow, _iteration)} expected.");
        }
        _historyStart = 0;
        _historyCount = count;
        for (int i = 0; i < count; i++)
        {
            _historyValues[i] = r.ReadDouble();
            _historyScores[i] = r.ReadDouble();
        }
        _hasDistribution = r.ReadBool();
        _mean = r.ReadDouble();
        _stdev = r.ReadDouble();
        _averaged.Clear();
        foreach (double v in Bounded(r.ReadDoubles(), "moving average"))
        {
            _averaged.Enqueue(v);
        }
        _total = r.ReadDouble();
        _likelihoods.Clear();
        foreach (double v in Bounded(r.ReadDoubles(), "likelihoods"))
        {
            _likelihoods.Enqueue(v);
        }
    }

    private double[] Bounded(double[] values, string what) => values.Length <= _averagingWindow
        ? values
        : throw new FormatException($"detector state: {values.Length} {what}, at most {_averagingWindow} expected.");
}
