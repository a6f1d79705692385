// Note: over 600 lines on purpose: one published algorithm (ARTime) whose stages share the detector's state; kept whole so it reads against its description.
namespace Vigil.Analysis.Anomaly;

/// <summary>
/// ARTime (Mark Hampton, 2021; the best published NAB detector), re-implemented from its description and Julia source:
/// the series is downsampled to about 104 steps per probation period (the sample furthest from a running mean, unless
/// within 10 % of the step's mean), normalized to the input range, discretized to 80 levels and snapped to a running
/// median level when within 0.075; the last 8 levels and their Haar wavelet transform (16 features) are presented to
/// a dual-vigilance fuzzy ART network (<see cref="DualVigilanceArt"/>). A sample that founds a new cluster is an
/// anomaly, scored by how far its match falls below the two vigilances and by its energy mismatch; the vigilances
/// adapt to the matches seen, and detections are masked for 12 steps after an anomaly or a new category unless the
/// match is clearly lower than the last anomaly's.
/// </summary>
/// <remarks>
/// NAB hands ARTime the whole file's minimum, maximum and length. With <c>input_min</c>, <c>input_max</c> and
/// <c>probation</c> given this detector is ARTime as published (its per-file NAB outputs are reproduced in the tests).
/// A server knows neither, so by default the probation is <c>probation</c> points (NAB's cap, 750) and the range is
/// that of the points seen until the network is set up, widened by <c>range_margin</c> times itself on each side;
/// later levels outside it are clamped. Memory per series: the probation buffer until set-up, then at most
/// <c>max_categories</c> categories of 32 doubles (0 = unbounded, as ARTime).
/// </remarks>
internal sealed class ArtimeDetector : IStreamingDetector
{
    public const string DetectorName = "artime";

    private const int Window = 8;
    private const int Features = 2 * Window;
    private const int WindowsPerProbation = 13;
    private const int Levels = 80;
    private const double Chomp = 0.075;
    private const double InitialRho = 0.80;
    private const int Mask = 12; // 1.5 windows
    private const int MaxAnomalySims = 1024;
    private static readonly double s_haar = 1.0 / Math.Sqrt(2.0);

    // Parameters.
    private readonly int _probationParam;
    private readonly double _inputMin;
    private readonly double _inputMax;
    private readonly double _margin;
    private readonly int _maxCategories;

    // Derived at construction.
    private readonly int _sstep;
    private readonly int _trendWindow;
    private readonly bool _rangeGiven;

    // Set-up: raw points buffered until the range is known (only when it is learnt), features until the network starts.
    private List<double>? _pending;
    private List<double[]>? _probationFeatures;
    private double _dmin;
    private double _dmax;

    private readonly DualVigilanceArt _art;
    private long _i = 1;
    private int _dsi = 1;
    private readonly double[] _dsWindow;
    private int _dsAt;
    private double _dsMovingAverage;
    private readonly int[] _medianBins = new int[Levels + 1];
    private int _medianLevel;
    private int _belowMedian;
    private int _aboveMedian;
    private readonly double[] _levelWindow = new double[Window];
    private readonly double[] _features = new double[Features];
    private readonly double[] _scratch = new double[Window];

    // Detection state (ARTime's ClassifyState).
    private int _lastAnomalyI;
    private double _lastAnomalySim;
    private int _lastRhoUpdateI;
    private bool _maskAfterCategory;
    private int _noNewCategoryCount;
    private readonly List<double> _anomalySims = [];
    private double _foldedSimSum;
    private long _foldedSimCount;
    private double _rhoHighMean;
    private long _rhoHighCount;
    private readonly double[] _simWindow;
    private int _simAt;
    private readonly double[] _simDiffWindow;
    private int _simDiffAt;

    /// <summary>The threshold <c>vigil serve</c> uses with this detector (see <see cref="DetectorFactory.ShippedThreshold"/>).</summary>
    public const double ShippedThreshold = 0.5;

    /// <summary>The parameter grid cross-validation chooses from.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> Grid { get; } =
    [
        DetectorFactory.Set(),
        DetectorFactory.Set(("probation", 300), ("range_margin", 0.5)),
        DetectorFactory.Set(("probation", 300), ("range_margin", 1)),
        DetectorFactory.Set(("probation", 500), ("range_margin", 0.5)),
        DetectorFactory.Set(("probation", 500), ("range_margin", 1)),
    ];

    public ArtimeDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _probationParam = p.Int("probation", 750, 2 * Window * 4, 1_000_000);
        _inputMin = p.Double("input_min", double.NaN, double.MinValue, double.MaxValue);
        _inputMax = p.Double("input_max", double.NaN, double.MinValue, double.MaxValue);
        _margin = p.Double("range_margin", 0.5, 0, 100);
        _maxCategories = p.Int("max_categories", 0, 0, 1_000_000);
        p.EnsureAllUsed();
        _rangeGiven = !double.IsNaN(_inputMin) || !double.IsNaN(_inputMax);
        if (_rangeGiven && (double.IsNaN(_inputMin) || double.IsNaN(_inputMax) || _inputMin > _inputMax))
        {
            throw new ArgumentException("detector artime: parameters input_min and input_max go together, with input_min <= input_max.");
        }
        if (_maxCategories is > 0 and < 2)
        {
            throw new ArgumentException("detector artime: parameter max_categories must be 0 (unbounded) or at least 2.");
        }
        _art = new DualVigilanceArt(Features, _maxCategories);
        int probation = _probationParam - (_probationParam % 2);
        _sstep = Math.Max(1, probation / (Window * WindowsPerProbation));
        _trendWindow = probation / _sstep;
        _dsWindow = new double[_sstep];
        _simWindow = new double[(_trendWindow / 2) + 1];
        Array.Fill(_simWindow, 1.0);
        _simDiffWindow = new double[_trendWindow + 1];
        _probationFeatures = new List<double[]>(_trendWindow);
        if (_rangeGiven)
        {
            _dmin = _inputMin;
            _dmax = _inputMax;
        }
        else
        {
            _pending = new List<double>(_trendWindow * _sstep);
        }
    }

    public string Name => DetectorName;

    /// <summary>The number of ART categories (for memory accounting).</summary>
    internal int Categories => _art.Count;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        if (_pending is not null)
        {
            _pending.Add(value);
            if (_pending.Count < _trendWindow * _sstep)
            {
                return 0;
            }
            // Note: the range is known once the network is about to be set up; the buffered points are replayed
            // through the pipeline with it, so everything after matches ARTime given that range.
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            foreach (double v in _pending)
            {
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
            double pad = (hi - lo) * _margin;
            _dmin = lo - pad;
            _dmax = hi + pad;
            var replay = _pending;
            _pending = null;
            double last = 0;
            foreach (double v in replay)
            {
                last = Process(v);
            }
            return last;
        }
        return Process(value);
    }

    private double Process(double value)
    {
        _dsWindow[_dsAt] = value;
        _dsAt = (_dsAt + 1) % _sstep;
        double anomaly = 0;
        if (_i % _sstep == 0)
        {
            anomaly = Downsampled();
            _dsi++;
        }
        _i++;
        return anomaly;
    }

    private double Downsampled()
    {
        double sum = 0, max = double.NegativeInfinity, min = double.PositiveInfinity;
        // Note: the step's window is in arrival order (oldest first), so the mean sums in the same order as ARTime.
        for (int k = 0; k < _sstep; k++)
        {
            double v = _dsWindow[(_dsAt + k) % _sstep];
            sum += v;
            max = Math.Max(max, v);
            min = Math.Min(min, v);
        }
        double mean = sum / _sstep;
        if (_dsi == 1)
        {
            _dsMovingAverage = mean;
        }
        _dsMovingAverage = (_dsMovingAverage + mean) / 2;
        double ds = max;
        if (Math.Abs(max - _dsMovingAverage) < Math.Abs(min - _dsMovingAverage))
        {
            ds = min;
        }
        if (Math.Abs(ds - mean) < 0.1 * mean)
        {
            ds = mean;
        }
        ds -= _dmin;
        if (_dmax - _dmin != 0)
        {
            ds /= _dmax - _dmin;
        }
        int level = (int)Math.Clamp(Math.Round(ds * Levels, MidpointRounding.ToEven), 0, Levels);
        ds = level / (double)Levels;
        UpdateMedian(level);
        double median = _medianLevel / (double)Levels;
        if (Math.Abs(ds - median) < Chomp)
        {
            ds = median;
        }
        Array.Copy(_levelWindow, 1, _levelWindow, 0, Window - 1);
        _levelWindow[Window - 1] = ds;
        Array.Clear(_features);
        if (_dsi >= Window)
        {
            WaveletFeatures();
        }
        return Present(_features, _dsi);
    }

    private void UpdateMedian(int level)
    {
        _medianBins[level]++;
        int medpos = _dsi / 2;
        if (_dsi == 1)
        {
            _medianLevel = level;
        }
        if (_medianLevel > level)
        {
            _belowMedian++;
        }
        else if (_medianLevel < level)
        {
            _aboveMedian++;
        }
        // Note: ARTime's approximate running median: move one occupied level per step towards the half-way count.
        if (medpos < _aboveMedian)
        {
            _belowMedian += _medianBins[_medianLevel];
            _medianLevel++;
            while (_medianBins[_medianLevel] == 0)
            {
                _medianLevel++;
            }
            _aboveMedian -= _medianBins[_medianLevel];
        }
        else if (medpos < _belowMedian)
        {
            _aboveMedian += _medianBins[_medianLevel];
            _medianLevel--;
            while (_medianBins[_medianLevel] == 0)
            {
                _medianLevel--;
            }
            _belowMedian -= _medianBins[_medianLevel];
        }
    }

    /// <summary>Features: the Haar transform of the min-max scaled level window, itself min-max scaled, then the levels.</summary>
    private void WaveletFeatures()
    {
        double lo = double.PositiveInfinity;
        foreach (double v in _levelWindow)
        {
            lo = Math.Min(lo, v);
        }
        double hi = double.NegativeInfinity;
        for (int k = 0; k < Window; k++)
        {
            _scratch[k] = _levelWindow[k] - lo;
            hi = Math.Max(hi, _scratch[k]);
        }
        if (hi != 0)
        {
            for (int k = 0; k < Window; k++)
            {
                _scratch[k] /= hi;
            }
        }
        Haar(_scratch, _features.AsSpan(0, Window));
        double flo = double.PositiveInfinity;
        for (int k = 0; k < Window; k++)
        {
            flo = Math.Min(flo, _features[k]);
        }
        double fhi = double.NegativeInfinity;
        for (int k = 0; k < Window; k++)
        {
            _features[k] -= flo;
            fhi = Math.Max(fhi, _features[k]);
        }
        if (fhi != 0)
        {
            for (int k = 0; k < Window; k++)
            {
                _features[k] /= fhi;
            }
        }
        _levelWindow.CopyTo(_features, Window);
    }

    /// <summary>
    /// The full periodic Haar DWT of 8 values in the usual layout: [approximation, level-3 detail, 2 level-2 details,
    /// 4 level-1 details]; a detail is (second − first)/√2 of its pair, as Wavelets.jl computes it.
    /// </summary>
    private static void Haar(ReadOnlySpan<double> x, Span<double> y)
    {
        Span<double> s = stackalloc double[Window];
        x.CopyTo(s);
        for (int n = Window; n > 1; n /= 2)
        {
            int half = n / 2;
            for (int k = 0; k < half; k++)
            {
                y[half + k] = (-s_haar * s[2 * k]) + (s_haar * s[(2 * k) + 1]);
            }
            for (int k = 0; k < half; k++)
            {
                s[k] = (s_haar * s[2 * k]) + (s_haar * s[(2 * k) + 1]);
            }
        }
        y[0] = s[0];
    }

    private double Present(double[] features, int i)
    {
        if (i <= _trendWindow)
        {
            _probationFeatures!.Add((double[])features.Clone());
            if (i == _trendWindow)
            {
                SetUp();
            }
            return 0;
        }
        return Detect(features, i);
    }

    /// <summary>Sets the initial vigilance from the probation features, then presents them all (no detections).</summary>
    private void SetUp()
    {
        var all = _probationFeatures!;
        _probationFeatures = null;
        double rho = InitialVigilance(all);
        _art.RhoLow = rho;
        _art.RhoHigh = rho;
        for (int k = 0; k < all.Count; k++)
        {
            Detect(all[k], k + 1);
        }
    }

    /// <summary>
    /// ARTime's initial vigilance: the probation's complete feature windows ordered from the least to the most typical
    /// (by summed similarity to the others), presented to a fresh network at vigilance 0.8; the mean match of the later
    /// half.
    /// </summary>
    private double InitialVigilance(List<double[]> all)
    {
        int first = Window - 1, count = _trendWindow - Window + 1;
        var sums = new double[count];
        var norms = new double[count];
        for (int a = 0; a < count; a++)
        {
            norms[a] = Norm(all[first + a]);
        }
        for (int a = 0; a < count; a++)
        {
            for (int b = 0; b < a; b++)
            {
                double s = Similarity(all[first + a], norms[a], all[first + b], norms[b]);
                sums[a] += s;
                sums[b] += s;
            }
            sums[a] += 1.0;
        }
        var order = new int[count];
        for (int a = 0; a < count; a++)
        {
            order[a] = a;
        }
        // Note: a stable sort, so equally typical windows keep their time order as Julia's sortperm does.
        var sorted = order.OrderBy(a => sums[a]).ToArray();
        var art = new DualVigilanceArt(Features, 0) { RhoLow = InitialRho, RhoHigh = InitialRho };
        var matches = new double[count];
        for (int a = 0; a < count; a++)
        {
            art.Train(all[first + sorted[a]], learn: true);
            matches[a] = art.LastMatch;
        }
        double sum = 0;
        int from = (_trendWindow / 2) - 1;
        for (int a = from; a < count; a++)
        {
            sum += matches[a];
        }
        return sum / (count - from);
    }

    private static double Norm(double[] v)
    {
        double s = 0;
        foreach (double x in v)
        {
            s += x * x;
        }
        return Math.Sqrt(s);
    }

    /// <summary>Cosine similarity, or one minus the other's norm when one vector is zero.</summary>
    private static double Similarity(double[] a, double na, double[] b, double nb)
    {
        if (na == 0)
        {
            return 1 - nb;
        }
        if (nb == 0)
        {
            return 1 - na;
        }
        double dot = 0;
        for (int k = 0; k < a.Length; k++)
        {
            dot += a[k] * b[k];
        }
        return dot / (na * nb);
    }

    private double Detect(double[] f, int i)
    {
        bool updateAfterAnomaly = i - _lastAnomalyI == Mask;
        bool updateForTrend = i - _lastRhoUpdateI >= _trendWindow / 2;
        bool maskAfterAnomaly = i - _lastAnomalyI <= Mask;
        if (i > _trendWindow + Mask && _maskAfterCategory && _noNewCategoryCount >= Mask)
        {
            _maskAfterCategory = false;
        }
        // Note: features before the first full window are presented without learning, to keep ARTime's indexing.
        bool novel = true;
        if (i < Window)
        {
            _art.Train(f, learn: false);
        }
        else
        {
            novel = _art.Train(f, learn: true);
        }
        double sim = _art.LastMatch;
        _noNewCategoryCount = novel ? 0 : _noNewCategoryCount + 1;
        _rhoHighCount++;
        _rhoHighMean += (1.0 / _rhoHighCount) * (sim - _rhoHighMean);
        _simWindow[_simAt] = sim;
        _simAt = (_simAt + 1) % _simWindow.Length;
        _simDiffWindow[_simDiffAt] = _art.RhoHigh - sim;
        _simDiffAt = (_simDiffAt + 1) % _simDiffWindow.Length;
        if (i - _lastAnomalyI < Mask && _anomalySims.Count > 0 && sim < _anomalySims[^1])
        {
            _anomalySims[^1] = sim;
        }
        bool masking = _maskAfterCategory || maskAfterAnomaly;
        double belowLastScale = maskAfterAnomaly ? 0.90 : 0.70;
        bool belowLast = sim < _lastAnomalySim * belowLastScale;
        double anomaly = 0;
        if (i > _trendWindow && novel && (!masking || belowLast))
        {
            anomaly = Confidence(sim, _art.LastEnergy);
            AddAnomalySim(sim);
            _lastAnomalySim = sim;
            _lastAnomalyI = i;
        }
        _maskAfterCategory = novel || _maskAfterCategory;
        if (i > _trendWindow && (updateAfterAnomaly || updateForTrend))
        {
            UpdateVigilance(i);
        }
        return anomaly;
    }

    private void UpdateVigilance(int i)
    {
        double minSim = double.PositiveInfinity;
        foreach (double s in _simWindow)
        {
            minSim = Math.Min(minSim, s);
        }
        double high = Math.Min(0.97, _rhoHighMean);
        double previousLow = _art.RhoLow;
        double low;
        if (previousLow <= minSim)
        {
            low = previousLow + ((minSim - previousLow) * 0.19);
        }
        else
        {
            double decrease = 0;
            if (i > _trendWindow * 2)
            {
                double sum = 0;
                int n = 0;
                // Note: in time order, oldest first, as ARTime's shifting window holds them.
                for (int k = 0; k < _simDiffWindow.Length; k++)
                {
                    double d = _simDiffWindow[(_simDiffAt + k) % _simDiffWindow.Length];
                    if (d > 0.05)
                    {
                        sum += Math.Min(0.37, d);
                        n++;
                    }
                }
                if (n > 0)
                {
                    decrease = sum / n;
                }
            }
            decrease = Math.Max(0.01, decrease);
            low = previousLow - (decrease / 2);
            if (_anomalySims.Count > 0)
            {
                low = Math.Max(MeanAnomalySim(), low);
            }
        }
        low = Math.Min(high, low);
        _art.RhoLow = low;
        _art.RhoHigh = high;
        _lastRhoUpdateI = i;
        _maskAfterCategory = true;
    }

    private void AddAnomalySim(double sim)
    {
        // Note: ARTime keeps every anomaly's match; beyond MaxAnomalySims the oldest are folded into a sum, so memory stays bounded.
        if (_anomalySims.Count == MaxAnomalySims)
        {
            _foldedSimSum += _anomalySims[0];
            _foldedSimCount++;
            _anomalySims.RemoveAt(0);
        }
        _anomalySims.Add(sim);
    }

    private double MeanAnomalySim()
    {
        double sum = _foldedSimSum;
        foreach (double s in _anomalySims)
        {
            sum += s;
        }
        return sum / (_anomalySims.Count + _foldedSimCount);
    }

    private double Confidence(double sim, double energy)
    {
        sim = Math.Min(0.999, sim);
        double high = ((1 - sim) - (1 - _art.RhoHigh)) / (1 - sim);
        double low = ((1 - sim) - (1 - _art.RhoLow)) / (1 - sim);
        double s = (high * 0.35) + (low * 0.65) + ((1.0 - energy) * 1.5);
        s = Math.Min(1.0, s);
        // Note: ARTime rounds to six digits; a negative confidence is kept out of [0, 1] scores by the clamp.
        return Math.Clamp(Math.Round(s, 6, MidpointRounding.ToEven), 0.0, 1.0);
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_probationParam);
        w.Write(_inputMin);
        w.Write(_inputMax);
        w.Write(_margin);
        w.Write(_maxCategories);
        w.Write(_pending is not null);
        if (_pending is not null)
        {
            w.Write(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending));
        }
        w.Write(_probationFeatures?.Count ?? -1);
        foreach (var f in _probationFeatures ?? [])
        {
            w.Write(f);
        }
        w.Write(_dmin);
        w.Write(_dmax);
        _art.Write(w);
        w.Write(_i);
        w.Write(_dsi);
        w.Write(_dsWindow);
        w.Write(_dsAt);
        w.Write(_dsMovingAverage);
        foreach (int bin in _medianBins)
        {
            w.Write(bin);
        }
        w.Write(_medianLevel);
        w.Write(_belowMedian);
        w.Write(_aboveMedian);
        w.Write(_levelWindow);
        w.Write(_lastAnomalyI);
        w.Write(_lastAnomalySim);
        w.Write(_lastRhoUpdateI);
        w.Write(_maskAfterCategory);
        w.Write(_noNewCategoryCount);
        w.Write(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_anomalySims));
        w.Write(_foldedSimSum);
        w.Write(_foldedSimCount);
        w.Write(_rhoHighMean);
        w.Write(_rhoHighCount);
        w.Write(_simWindow);
        w.Write(_simAt);
        w.Write(_simDiffWindow);
        w.Write(_simDiffAt);
        return w.ToArray();
    }

    public static ArtimeDetector Load(StateReader r)
    {
        var parameters = new Dictionary<string, double> { ["probation"] = r.ReadInt() };
        double min = r.ReadDouble(), max = r.ReadDouble();
        if (!double.IsNaN(min) || !double.IsNaN(max))
        {
            parameters["input_min"] = min;
            parameters["input_max"] = max;
        }
        parameters["range_margin"] = r.ReadDouble();
        parameters["max_categories"] = r.ReadInt();
        ArtimeDetector d;
        try
        {
            d = new ArtimeDetector(parameters);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"detector state: {e.Message}");
        }
        if (r.ReadBool())
        {
            d._pending = [.. Bounded(r.ReadDoubles(), d._trendWindow * d._sstep, "probation buffer")];
        }
        else
        {
            d._pending = null;
        }
        int features = r.ReadInt();
        if (features > d._trendWindow)
        {
            throw new FormatException($"detector state: {features} probation features, at most {d._trendWindow} expected.");
        }
        d._probationFeatures = features < 0 ? null : new List<double[]>(features);
        for (int k = 0; k < features; k++)
        {
            d._probationFeatures!.Add(Exactly(r.ReadDoubles(), Features, "probation feature"));
        }
        d._dmin = r.ReadDouble();
        d._dmax = r.ReadDouble();
        d._art.Read(r);
        d._i = r.ReadLong();
        d._dsi = r.ReadInt();
        Exactly(r.ReadDoubles(), d._sstep, "downsampling window").CopyTo(d._dsWindow, 0);
        d._dsAt = InRange(r.ReadInt(), d._sstep, "downsampling position");
        d._dsMovingAverage = r.ReadDouble();
        for (int k = 0; k < d._medianBins.Length; k++)
        {
            d._medianBins[k] = r.ReadInt();
        }
        d._medianLevel = InRange(r.ReadInt(), Levels + 1, "median level");
        d._belowMedian = r.ReadInt();
        d._aboveMedian = r.ReadInt();
        // Note: the running median walks the bins; counts that disagree with them could walk off either end.
        long below = 0, above = 0, total = 0;
        for (int k = 0; k < d._medianBins.Length; k++)
        {
            int bin = d._medianBins[k];
            if (bin < 0)
            {
                throw new FormatException("detector state: a negative median bin count.");
            }
            total += bin;
            below += k < d._medianLevel ? bin : 0;
            above += k > d._medianLevel ? bin : 0;
        }
        if (below != d._belowMedian || above != d._aboveMedian || total != d._dsi - 1 || (total > 0 && d._medianBins[d._medianLevel] == 0))
        {
            throw new FormatException("detector state: the median bins disagree with the median position.");
        }
        Exactly(r.ReadDoubles(), Window, "level window").CopyTo(d._levelWindow, 0);
        d._lastAnomalyI = r.ReadInt();
        d._lastAnomalySim = r.ReadDouble();
        d._lastRhoUpdateI = r.ReadInt();
        d._maskAfterCategory = r.ReadBool();
        d._noNewCategoryCount = r.ReadInt();
        d._anomalySims.AddRange(Bounded(r.ReadDoubles(), MaxAnomalySims, "anomaly matches"));
        d._foldedSimSum = r.ReadDouble();
        d._foldedSimCount = r.ReadLong();
        d._rhoHighMean = r.ReadDouble();
        d._rhoHighCount = r.ReadLong();
        Exactly(r.ReadDoubles(), d._simWindow.Length, "match window").CopyTo(d._simWindow, 0);
        d._simAt = InRange(r.ReadInt(), d._simWindow.Length, "match window position");
        Exactly(r.ReadDoubles(), d._simDiffWindow.Length, "vigilance gap window").CopyTo(d._simDiffWindow, 0);
        d._simDiffAt = InRange(r.ReadInt(), d._simDiffWindow.Length, "vigilance gap position");
        return d;
    }

    private static double[] Exactly(double[] values, int length, string what)
        => values.Length == length ? values : throw new FormatException($"detector state: {what} has {values.Length} values, expected {length}.");

    private static double[] Bounded(double[] values, int max, string what)
        => values.Length <= max ? values : throw new FormatException($"detector state: {what} has {values.Length} values, at most {max} expected.");

    private static int InRange(int value, int length, string what)
        => value >= 0 && value < length ? value : throw new FormatException($"detector state: {what} {value} is outside [0, {length}).");
}
