namespace Vigil.Analysis.Anomaly;

/// <summary>
/// The dual-vigilance fuzzy ART network inside <see cref="ArtimeDetector"/>: categories are complement-coded weight
/// vectors; a sample resonates with every category whose match reaches the upper vigilance (each then learns by fast
/// commit, W ← min(W, x)), else founds a new category, which counts as a new cluster (novelty) only when no category
/// reaches the lower vigilance either.
/// </summary>
/// <remarks>
/// The match of a category is (|min(x, W)|₁ / |W|₁)³ · e², where the energy e compares the last feature (the newest
/// level) and its complement only. The first sample ever seen creates an all-ones category and is not learnt, as in
/// ARTime. Not thread-safe. With <c>maxCategories</c> set, the category used least recently is replaced when a new one
/// is needed (ARTime itself never forgets; the cap bounds a series' memory).
/// </remarks>
internal sealed class DualVigilanceArt
{
    private readonly int _dim;
    private readonly int _maxCategories;
    private readonly List<double[]> _weights = [];
    private readonly List<long> _lastUsed = [];
    private readonly double[] _coded;
    private double[] _match = new double[16];
    private double[] _energy = new double[16];
    private long _steps;

    public DualVigilanceArt(int dim, int maxCategories)
    {
        _dim = dim;
        _maxCategories = maxCategories;
        _coded = new double[2 * dim];
    }

    /// <summary>The lower vigilance: below it a sample is novel.</summary>
    public double RhoLow { get; set; }

    /// <summary>The upper vigilance: at or above it a category learns the sample.</summary>
    public double RhoHigh { get; set; }

    /// <summary>The number of categories.</summary>
    public int Count => _weights.Count;

    /// <summary>The best match of the last sample (0 when there was none).</summary>
    public double LastMatch { get; private set; }

    /// <summary>The energy similarity of the best-matching category of the last sample.</summary>
    public double LastEnergy { get; private set; }

    /// <summary>
    /// Presents one sample (features in [0, 1]); with <paramref name="learn"/> the network learns it. Returns whether the
    /// sample was novel: it founded a new cluster, or was presented without learning.
    /// </summary>
    public bool Train(ReadOnlySpan<double> features, bool learn)
    {
        _steps++;
        if (_weights.Count == 0)
        {
            // Note: the first sample only sets up the network (an all-ones category), as ARTime's DVFA does.
            var ones = new double[2 * _dim];
            Array.Fill(ones, 1.0);
            _weights.Add(ones);
            _lastUsed.Add(_steps);
            LastMatch = 0;
            LastEnergy = 0;
            return false;
        }
        for (int k = 0; k < _dim; k++)
        {
            _coded[k] = features[k];
            _coded[k + _dim] = 1.0 - features[k];
        }
        int n = _weights.Count;
        if (_match.Length < n)
        {
            Array.Resize(ref _match, Math.Max(n, _match.Length * 2));
            Array.Resize(ref _energy, _match.Length);
        }
        bool anyNaN = false;
        int best = -1;
        double bestMatch = 0;
        for (int j = 0; j < n; j++)
        {
            Activate(_weights[j], out _match[j], out _energy[j]);
            if (double.IsNaN(_match[j]))
            {
                anyNaN = true;
            }
            else if (_match[j] > bestMatch)
            {
                bestMatch = _match[j];
                best = j;
            }
        }
        LastMatch = bestMatch;
        LastEnergy = best >= 0 ? _energy[best] : 0;
        if (!learn)
        {
            return true;
        }
        // Note: ARTime visits categories by descending match with NaN ordered first; a NaN first ends the search.
        if (anyNaN)
        {
            LastMatch = 0;
            LastEnergy = 0;
            AddCategory();
            return true;
        }
        double top = best >= 0 ? bestMatch : n > 0 ? _match[0] : 0;
        if (top >= RhoHigh)
        {
            for (int j = 0; j < n; j++)
            {
                if (_match[j] >= RhoHigh)
                {
                    var w = _weights[j];
                    for (int k = 0; k < w.Length; k++)
                    {
                        w[k] = Math.Min(w[k], _coded[k]);
                    }
                    _lastUsed[j] = _steps;
                }
            }
            return false;
        }
        bool resonant = top >= RhoLow;
        if (resonant && best >= 0)
        {
            _lastUsed[best] = _steps;
        }
        AddCategory();
        return !resonant;
    }

    private void Activate(double[] w, out double match, out double energy)
    {
        double common = 0, size = 0;
        for (int k = 0; k < w.Length; k++)
        {
            common += Math.Min(_coded[k], w[k]);
            size += w[k];
        }
        if (size == 0)
        {
            size = 0.001;
        }
        double feature = common / size;
        int last = _dim - 1, lastComplement = (2 * _dim) - 1;
        energy = (Math.Min(_coded[last], w[last]) + Math.Min(_coded[lastComplement], w[lastComplement])) / (w[last] + w[lastComplement]);
        match = feature * feature * feature * (energy * energy);
    }

    private void AddCategory()
    {
        if (_maxCategories > 0 && _weights.Count >= _maxCategories)
        {
            int oldest = 1;
            for (int j = 2; j < _weights.Count; j++)
            {
                if (_lastUsed[j] < _lastUsed[oldest])
                {
                    oldest = j;
                }
            }
            _coded.CopyTo(_weights[oldest], 0);
            _lastUsed[oldest] = _steps;
            return;
        }
        _weights.Add((double[])_coded.Clone());
        _lastUsed.Add(_steps);
    }

    public void Write(StateWriter w)
    {
        w.Write(RhoLow);
        w.Write(RhoHigh);
        w.Write(_steps);
        w.Write(LastMatch);
        w.Write(LastEnergy);
        w.Write(_weights.Count);
        for (int j = 0; j < _weights.Count; j++)
        {
            w.Write(_weights[j]);
            w.Write(_lastUsed[j]);
        }
    }

    public void Read(StateReader r)
    {
        RhoLow = r.ReadDouble();
        RhoHigh = r.ReadDouble();
        _steps = r.ReadLong();
        LastMatch = r.ReadDouble();
        LastEnergy = r.ReadDouble();
        int n = r.ReadInt();
        if (n < 0 || (_maxCategories > 0 && n > _maxCategories) || n > 10_000_000)
        {
            throw new FormatException($"detector state: {n} ART categories is out of range.");
        }
        _weights.Clear();
        _lastUsed.Clear();
        for (int j = 0; j < n; j++)
        {
            var weights = r.ReadDoubles();
            if (weights.Length != 2 * _dim)
            {
                throw new FormatException($"detector state: ART category of {weights.Length} weights, expected {2 * _dim}.");
            }
            _weights.Add(weights);
            _lastUsed.Add(r.ReadLong());
        }
    }
}
