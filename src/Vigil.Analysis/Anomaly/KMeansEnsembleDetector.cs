namespace Vigil.Analysis.Anomaly;

/// <summary>
/// Netdata-style ML detector: feature vectors of the smoothed first differences and their lags, k-means models trained
/// on successive windows, each scoring a point by its distance to the nearest centroid relative to the distances seen
/// in training. The score is the minimum over the models, so a point scores high only when every model agrees.
/// </summary>
internal sealed class KMeansEnsembleDetector : IStreamingDetector
{
    public const string DetectorName = "kmeans";

    private const int LloydIterations = 20;

    private readonly int _clusters;
    private readonly int _lags;
    private readonly int _smooth;
    private readonly int _trainWindow;
    private readonly int _trainEvery;
    private readonly int _modelCount;
    private readonly int _dimensions;
    private RingBuffer _values;
    private List<Model> _models = [];
    private long _seen;
    private readonly double[] _feature;

    public KMeansEnsembleDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _clusters = p.Int("clusters", 2, 1, 16);
        _lags = p.Int("lags", 5, 0, 64);
        _smooth = p.Int("smooth", 3, 1, 64);
        _trainWindow = p.Int("train_window", 1000, 20, 100_000);
        _trainEvery = p.Int("train_every", 250, 1, 100_000);
        _modelCount = p.Int("models", 4, 1, 64);
        p.EnsureAllUsed();
        _dimensions = _lags + 1;
        _feature = new double[_dimensions];
        _values = new RingBuffer(_trainWindow + _lags + _smooth + 1);
    }

    public string Name => DetectorName;

    /// <summary>The number of trained models currently voting.</summary>
    public int ModelCount => _models.Count;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        _values.Add(value);
        _seen++;
        double score = 0;
        if (_models.Count > 0 && FeatureAt(_values.Count - 1, _feature))
        {
            score = 1.0;
            foreach (var m in _models)
            {
                score = Math.Min(score, m.Score(_feature, _clusters));
            }
        }
        if (_seen % _trainEvery == 0 && _values.Count >= Math.Min(_values.Capacity, 4 * (_dimensions + _smooth) * _clusters))
        {
            Train();
        }
        return score;
    }

    /// <summary>The feature vector of the point at ring index <paramref name="index"/>: smoothed differences at lags 0…L.</summary>
    private bool FeatureAt(int index, double[] feature)
    {
        if (index - _lags - _smooth < 0)
        {
            return false;
        }
        for (int l = 0; l <= _lags; l++)
        {
            double sum = 0;
            for (int s = 0; s < _smooth; s++)
            {
                int i = index - l - s;
                sum += _values[i] - _values[i - 1];
            }
            feature[l] = sum / _smooth;
        }
        return true;
    }

    private void Train()
    {
        int first = _lags + _smooth;
        int count = _values.Count - first;
        var rows = new double[count * _dimensions];
        var f = new double[_dimensions];
        for (int i = 0; i < count; i++)
        {
            FeatureAt(first + i, f);
            f.CopyTo(rows, i * _dimensions);
        }
        var centroids = KMeans(rows, count);
        double min = double.PositiveInfinity, max = 0;
        var model = new Model(centroids, 0, 0);
        for (int i = 0; i < count; i++)
        {
            double d = model.Distance(rows.AsSpan(i * _dimensions, _dimensions), _clusters);
            min = Math.Min(min, d);
            max = Math.Max(max, d);
        }
        if (_models.Count == _modelCount)
        {
            _models.RemoveAt(0);
        }
        _models.Add(new Model(centroids, min, max));
    }

    private double[] KMeans(double[] rows, int count)
    {
        int dim = _dimensions;
        int k = Math.Min(_clusters, count);
        var centroids = new double[_clusters * dim];
        // Note: deterministic initialisation (evenly spaced rows) so a restored detector retrains identically.
        for (int c = 0; c < _clusters; c++)
        {
            int row = Math.Min(count - 1, (int)((c + 0.5) * count / k));
            Array.Copy(rows, row * dim, centroids, c * dim, dim);
        }
        var sums = new double[_clusters * dim];
        var counts = new int[_clusters];
        for (int iter = 0; iter < LloydIterations; iter++)
        {
            Array.Clear(sums);
            Array.Clear(counts);
            for (int i = 0; i < count; i++)
            {
                var row = rows.AsSpan(i * dim, dim);
                int best = Nearest(centroids, row, out _);
                counts[best]++;
                for (int j = 0; j < dim; j++)
                {
                    sums[(best * dim) + j] += row[j];
                }
            }
            bool moved = false;
            for (int c = 0; c < _clusters; c++)
            {
                if (counts[c] == 0)
                {
                    continue;
                }
                for (int j = 0; j < dim; j++)
                {
                    double v = sums[(c * dim) + j] / counts[c];
                    moved |= v != centroids[(c * dim) + j];
                    centroids[(c * dim) + j] = v;
                }
            }
            if (!moved)
            {
                break;
            }
        }
        return centroids;
    }

    private int Nearest(double[] centroids, ReadOnlySpan<double> row, out double distance)
    {
        int dim = _dimensions;
        int best = 0;
        distance = double.PositiveInfinity;
        for (int c = 0; c < _clusters; c++)
        {
            double d = 0;
            for (int j = 0; j < dim; j++)
            {
                double e = row[j] - centroids[(c * dim) + j];
                d += e * e;
            }
            if (d < distance)
            {
                distance = d;
                best = c;
            }
        }
        distance = Math.Sqrt(distance);
        return best;
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_clusters);
        w.Write(_lags);
        w.Write(_smooth);
        w.Write(_trainWindow);
        w.Write(_trainEvery);
        w.Write(_modelCount);
        _values.Write(w);
        w.Write(_seen);
        w.Write(_models.Count);
        foreach (var m in _models)
        {
            w.Write(m.Centroids);
            w.Write(m.Min);
            w.Write(m.Max);
        }
        return w.ToArray();
    }

    public static KMeansEnsembleDetector Load(StateReader r)
    {
        var d = new KMeansEnsembleDetector(new Dictionary<string, double>
        {
            ["clusters"] = r.ReadInt(),
            ["lags"] = r.ReadInt(),
            ["smooth"] = r.ReadInt(),
            ["train_window"] = r.ReadInt(),
            ["train_every"] = r.ReadInt(),
            ["models"] = r.ReadInt(),
        });
        d._values = RingBuffer.Read(r);
        d._seen = r.ReadLong();
        int models = r.ReadInt();
        if (models < 0 || models > d._modelCount)
        {
            throw new FormatException($"detector state: {models} k-means models, at most {d._modelCount} allowed.");
        }
        for (int i = 0; i < models; i++)
        {
            var centroids = r.ReadDoubles();
            if (centroids.Length != d._clusters * d._dimensions)
            {
                throw new FormatException($"detector state: model {i} has {centroids.Length} centroid values, expected {d._clusters * d._dimensions}.");
            }
            d._models.Add(new Model(centroids, r.ReadDouble(), r.ReadDouble()));
        }
        return d;
    }

    private sealed record Model(double[] Centroids, double Min, double Max)
    {
        public double Distance(ReadOnlySpan<double> row, int clusters)
        {
            int dim = row.Length;
            double best = double.PositiveInfinity;
            for (int c = 0; c < clusters; c++)
            {
                double d = 0;
                for (int j = 0; j < dim; j++)
                {
                    double e = row[j] - Centroids[(c * dim) + j];
                    d += e * e;
                }
                best = Math.Min(best, d);
            }
            return Math.Sqrt(best);
        }

        /// <summary>0 at the closest training distance, 0.99 at the farthest, approaching 1 beyond it.</summary>
        public double Score(ReadOnlySpan<double> row, int clusters)
        {
            double d = Distance(row, clusters);
            double range = Max - Min;
            if (!(range > 0))
            {
                return d > Max * (1 + 1e-9) + 1e-12 ? 1.0 : 0.0;
            }
            double rel = (d - Min) / range;
            return rel <= 1 ? 0.99 * Math.Max(0, rel) : 0.99 + (0.01 * (1 - (1 / rel)));
        }
    }
}
