namespace Vigil.Analysis.Statistics;

/// <summary>
/// Isolation Forest (Liu, Ting and Zhou, 2008) on standardized features: 100 trees grown on subsamples of 256 rows;
/// a row's score 2^(−E[h]/c(ψ)) is near 1 for rows isolated quickly (anomalies) and at most about 0.5 for ordinary ones.
/// </summary>
/// <remarks>Fit once, then <see cref="Score"/> is thread-safe. Deterministic for a given seed.</remarks>
public sealed class IsolationForest
{
    private readonly int _trees;
    private readonly int _subsample;
    private readonly int _seed;
    private Node[][] _forest = [];
    private double[] _mean = [];
    private double[] _scale = [];
    private double _normalizer;
    private int _height;

    /// <summary>Creates an unfitted forest.</summary>
    public IsolationForest(int trees = 100, int subsample = 256, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trees, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(subsample, 2);
        _trees = trees;
        _subsample = subsample;
        _seed = seed;
    }

    /// <summary>The number of features the forest was fitted on (0 before <see cref="Fit"/>).</summary>
    public int Features => _mean.Length;

    /// <summary>Fits the forest on <paramref name="rows"/> (at least two rows, all of the same width, finite values).</summary>
    public void Fit(double[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Length < 2)
        {
            throw new ArgumentException($"Isolation Forest needs at least 2 rows, got {rows.Length}.", nameof(rows));
        }
        int width = rows[0].Length;
        var mean = new double[width];
        var scale = new double[width];
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length != width)
            {
                throw new ArgumentException($"row {r} has {rows[r].Length} features, row 0 has {width}.", nameof(rows));
            }
            for (int j = 0; j < width; j++)
            {
                if (!double.IsFinite(rows[r][j]))
                {
                    throw new ArgumentException($"row {r}, feature {j} is not finite.", nameof(rows));
                }
                mean[j] += rows[r][j];
            }
        }
        for (int j = 0; j < width; j++)
        {
            mean[j] /= rows.Length;
            double ss = 0;
            for (int r = 0; r < rows.Length; r++)
            {
                ss += (rows[r][j] - mean[j]) * (rows[r][j] - mean[j]);
            }
            double sd = Math.Sqrt(ss / rows.Length);
            scale[j] = sd > 0 ? sd : 1.0;
        }
        var data = new double[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            data[r] = new double[width];
            for (int j = 0; j < width; j++)
            {
                data[r][j] = (rows[r][j] - mean[j]) / scale[j];
            }
        }
        int psi = Math.Min(_subsample, rows.Length);
        _height = (int)Math.Ceiling(Math.Log2(psi));
        _normalizer = AveragePathLength(psi);
        var random = new Random(_seed);
        var forest = new Node[_trees][];
        var index = new int[rows.Length];
        for (int t = 0; t < _trees; t++)
        {
            for (int i = 0; i < index.Length; i++)
            {
                index[i] = i;
            }
            // Partial Fisher–Yates: the first psi entries become a sample without replacement.
            for (int i = 0; i < psi; i++)
            {
                int k = random.Next(i, index.Length);
                (index[i], index[k]) = (index[k], index[i]);
            }
            var nodes = new List<Node>();
            Grow(data, index.AsSpan(0, psi).ToArray(), 0, nodes, random);
            forest[t] = [.. nodes];
        }
        _mean = mean;
        _scale = scale;
        _forest = forest;
    }

    /// <summary>The anomaly score of a row in [0, 1]: about 0.5 or less for ordinary rows, close to 1 for outliers.</summary>
    public double Score(double[] row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (_forest.Length == 0)
        {
            throw new InvalidOperationException("Isolation Forest: call Fit before Score.");
        }
        if (row.Length != _mean.Length)
        {
            throw new ArgumentException($"row has {row.Length} features, the forest was fitted on {_mean.Length}.", nameof(row));
        }
        Span<double> x = row.Length <= 64 ? stackalloc double[row.Length] : new double[row.Length];
        for (int j = 0; j < row.Length; j++)
        {
            x[j] = (row[j] - _mean[j]) / _scale[j];
        }
        double total = 0;
        foreach (var tree in _forest)
        {
            total += PathLength(tree, x);
        }
        return Math.Pow(2, -(total / _forest.Length) / _normalizer);
    }

    private static double PathLength(Node[] tree, ReadOnlySpan<double> x)
    {
        int at = 0, depth = 0;
        while (true)
        {
            var n = tree[at];
            if (n.Feature < 0)
            {
                return depth + AveragePathLength(n.Size);
            }
            at = x[n.Feature] < n.Split ? n.Left : n.Right;
            depth++;
        }
    }

    private int Grow(double[][] data, int[] rows, int depth, List<Node> nodes, Random random)
    {
        int me = nodes.Count;
        nodes.Add(new Node(-1, 0, 0, 0, rows.Length));
        if (depth >= _height || rows.Length <= 1)
        {
            return me;
        }
        int width = data[0].Length;
        // Pick a random feature that is not constant on these rows.
        Span<int> candidates = width <= 256 ? stackalloc int[width] : new int[width];
        int count = 0;
        for (int j = 0; j < width; j++)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            foreach (int r in rows)
            {
                lo = Math.Min(lo, data[r][j]);
                hi = Math.Max(hi, data[r][j]);
            }
            if (hi > lo)
            {
                candidates[count++] = j;
            }
        }
        if (count == 0)
        {
            return me;
        }
        int feature = candidates[random.Next(count)];
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (int r in rows)
        {
            min = Math.Min(min, data[r][feature]);
            max = Math.Max(max, data[r][feature]);
        }
        double split = min + (random.NextDouble() * (max - min));
        var left = rows.Where(r => data[r][feature] < split).ToArray();
        var right = rows.Where(r => data[r][feature] >= split).ToArray();
        int l = Grow(data, left, depth + 1, nodes, random);
        int rr = Grow(data, right, depth + 1, nodes, random);
        nodes[me] = new Node(feature, split, l, rr, rows.Length);
        return me;
    }

    /// <summary>c(n): the average path length of an unsuccessful search in a binary search tree of n items.</summary>
    internal static double AveragePathLength(int n)
    {
        if (n <= 1)
        {
            return 0;
        }
        if (n == 2)
        {
            return 1;
        }
        const double eulerGamma = 0.5772156649015329;
        return (2.0 * (Math.Log(n - 1) + eulerGamma)) - (2.0 * (n - 1) / n);
    }

    private readonly record struct Node(int Feature, double Split, int Left, int Right, int Size);
}
