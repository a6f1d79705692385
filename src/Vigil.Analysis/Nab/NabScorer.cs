namespace Vigil.Analysis.Nab;

/// <summary>Scores per-row anomaly scores the way NAB v1.1 does: probation, windows, scaled sigmoid weights, exhaustive threshold sweep, normalization.</summary>
/// <remarks>Follows <c>shared/testdata/nab/SCORING.md</c>; thread-safe (no shared state).</remarks>
public static class NabScorer
{
    /// <summary>Fraction of a file's rows that are probationary (not scored).</summary>
    public const double ProbationFraction = 0.15;

    /// <summary>The most probationary rows a file can have (0.15 × 5000).</summary>
    public const int ProbationCap = 750;

    /// <summary>The threshold that detects nothing, the sweep's first candidate.</summary>
    public const double NothingDetectedThreshold = 1.1;

    // Note: 2·σ(5) − 1, the sigmoid's value at the first row of a window, so that row is worth exactly A_TP.
    private static readonly double s_maxTruePositive = ScaledSigmoid(-1.0);

    /// <summary>The number of probationary rows of a file with <paramref name="rows"/> rows: min(floor(0.15·n), 750).</summary>
    public static int ProbationLength(int rows) => Math.Min((int)Math.Floor(ProbationFraction * rows), ProbationCap);

    /// <summary>NAB's scaled sigmoid S(y): 2·σ(−5y) − 1, and −1 beyond y = 3.</summary>
    public static double ScaledSigmoid(double relativePosition)
        => relativePosition > 3.0 ? -1.0 : (2.0 / (1.0 + Math.Exp(5.0 * relativePosition))) - 1.0;

    /// <summary>The raw score of one file at a fixed threshold.</summary>
    public static double FileRaw(NabSeries series, ReadOnlySpan<double> scores, NabProfile profile, double threshold)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var prepared = Prepare(series);
        CheckLength(series, scores.Length);
        var best = new double[prepared.WindowCount];
        Array.Fill(best, -profile.FalseNegativeWeight);
        double total = 0;
        for (int i = prepared.Probation; i < series.Length; i++)
        {
            if (scores[i] < threshold)
            {
                continue;
            }
            int w = prepared.Window[i];
            if (w < 0)
            {
                total += prepared.BaseWeight[i] * profile.FalsePositiveWeight;
            }
            else
            {
                best[w] = Math.Max(best[w], prepared.BaseWeight[i] * profile.TruePositiveWeight);
            }
        }
        for (int w = 0; w < best.Length; w++)
        {
            if (prepared.Counted[w])
            {
                total += best[w];
            }
        }
        return total;
    }

    /// <summary>Scores all files at one fixed threshold (no optimisation).</summary>
    public static NabResult ScoreAt(IReadOnlyList<NabSeries> files, IReadOnlyList<double[]> scores, NabProfile profile, double threshold)
    {
        var pool = Pool(files, scores, out int windows);
        double raw = -profile.FalseNegativeWeight * pool.CountedWindows;
        var best = new double[pool.CountedWindows];
        Array.Fill(best, double.NaN);
        int detected = 0, falsePositives = 0;
        for (int i = 0; i < pool.Scores.Length; i++)
        {
            if (pool.Scores[i] < threshold)
            {
                continue;
            }
            Apply(pool, i, profile, best, ref raw, ref detected, ref falsePositives);
        }
        return new NabResult(profile, threshold, raw, Normalize(raw, windows, profile), detected, windows, falsePositives);
    }

    /// <summary>Finds the threshold with the best raw score over all files (ties go to the highest threshold) and scores at it.</summary>
    public static NabResult Optimize(IReadOnlyList<NabSeries> files, IReadOnlyList<double[]> scores, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var pool = Pool(files, scores, out int windows);
        int n = pool.Scores.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }
        // Note: descending by score; equal scores form one group that is added at once, as NAB's sweep does.
        var keys = (double[])pool.Scores.Clone();
        for (int i = 0; i < n; i++)
        {
            keys[i] = -keys[i];
        }
        Array.Sort(keys, order);

        var best = new double[pool.CountedWindows];
        Array.Fill(best, double.NaN);
        double raw = -profile.FalseNegativeWeight * pool.CountedWindows;
        int detected = 0, falsePositives = 0;
        double bestRaw = raw, bestThreshold = NothingDetectedThreshold;
        int bestDetected = 0, bestFalsePositives = 0;
        int k = 0;
        while (k < n)
        {
            double v = pool.Scores[order[k]];
            while (k < n && pool.Scores[order[k]] == v)
            {
                Apply(pool, order[k], profile, best, ref raw, ref detected, ref falsePositives);
                k++;
            }
            if (raw > bestRaw)
            {
                bestRaw = raw;
                bestThreshold = v;
                bestDetected = detected;
                bestFalsePositives = falsePositives;
            }
        }
        return new NabResult(profile, bestThreshold, bestRaw, Normalize(bestRaw, windows, profile), bestDetected, windows, bestFalsePositives);
    }

    /// <summary>Normalizes a raw score to NAB's 0–100 scale for a corpus with <paramref name="windows"/> windows.</summary>
    public static double Normalize(double raw, int windows, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (windows == 0)
        {
            return raw >= 0 ? 100.0 : 0.0;
        }
        double baseline = -profile.FalseNegativeWeight * windows;
        double perfect = profile.TruePositiveWeight * windows;
        return 100.0 * (raw - baseline) / (perfect - baseline);
    }

    private static void Apply(ScoredPool pool, int i, NabProfile profile, double[] best, ref double raw, ref int detected, ref int falsePositives)
    {
        int w = pool.Window[i];
        if (w < 0)
        {
            raw += pool.BaseWeight[i] * profile.FalsePositiveWeight;
            falsePositives++;
            return;
        }
        double weight = pool.BaseWeight[i] * profile.TruePositiveWeight;
        if (double.IsNaN(best[w]))
        {
            detected++;
            raw += weight + profile.FalseNegativeWeight;
            best[w] = weight;
        }
        else if (weight > best[w])
        {
            raw += weight - best[w];
            best[w] = weight;
        }
    }

    private static ScoredPool Pool(IReadOnlyList<NabSeries> files, IReadOnlyList<double[]> scores, out int windows)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(scores);
        if (files.Count != scores.Count)
        {
            throw new ArgumentException($"{files.Count} files but {scores.Count} score arrays.", nameof(scores));
        }
        int total = 0;
        windows = 0;
        var prepared = new PreparedFile[files.Count];
        for (int f = 0; f < files.Count; f++)
        {
            CheckLength(files[f], scores[f].Length);
            prepared[f] = Prepare(files[f]);
            total += files[f].Length - prepared[f].Probation;
            windows += prepared[f].WindowCount;
        }
        var pool = new ScoredPool(total);
        int at = 0, windowBase = 0;
        for (int f = 0; f < files.Count; f++)
        {
            var p = prepared[f];
            var s = scores[f];
            var remap = new int[p.WindowCount];
            for (int w = 0; w < p.WindowCount; w++)
            {
                remap[w] = p.Counted[w] ? windowBase++ : -1;
            }
            for (int i = p.Probation; i < s.Length; i++, at++)
            {
                if (!(s[i] >= 0.0 && s[i] <= 1.0))
                {
                    throw new ArgumentException($"{files[f].Name}: row {i + 1}: anomaly score {s[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside [0, 1].", nameof(scores));
                }
                pool.Scores[at] = s[i];
                pool.BaseWeight[at] = p.BaseWeight[i];
                pool.Window[at] = p.Window[i] < 0 ? -1 : remap[p.Window[i]];
            }
        }
        pool.CountedWindows = windowBase;
        return pool;
    }

    private static void CheckLength(NabSeries series, int scoreCount)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (scoreCount != series.Length)
        {
            throw new ArgumentException($"{series.Name}: {series.Length} rows but {scoreCount} anomaly scores.");
        }
    }

    /// <summary>Maps windows to row ranges and computes each row's unit weight (before the profile's A_TP or A_FP).</summary>
    internal static PreparedFile Prepare(NabSeries series)
    {
        int n = series.Length;
        var ts = series.Timestamps;
        var windows = series.Windows;
        var left = new int[windows.Count];
        var right = new int[windows.Count];
        int next = 0;
        for (int i = 0; i < n && next < windows.Count; i++)
        {
            if (ts[i] == windows[next].Start)
            {
                left[next] = i;
                int r = -1;
                for (int j = i; j < n; j++)
                {
                    if (ts[j] == windows[next].End)
                    {
                        r = j;
                        break;
                    }
                }
                if (r < 0)
                {
                    throw new ArgumentException($"{series.Name}: window {next + 1} ends at {Format(windows[next].End)}, which is no row's timestamp at or after its start (row {i + 1}).");
                }
                right[next] = r;
                i = r;
                next++;
            }
        }
        if (next < windows.Count)
        {
            throw new ArgumentException($"{series.Name}: window {next + 1} starts at {Format(windows[next].Start)}, which is no row's timestamp (after the previous window).");
        }

        var prepared = new PreparedFile(n, windows.Count, ProbationLength(n));
        int cur = 0, prev = -1;
        for (int i = 0; i < n; i++)
        {
            if (cur < windows.Count && i >= left[cur] && i <= right[cur])
            {
                int width = right[cur] - left[cur] + 1;
                prepared.Window[i] = cur;
                prepared.BaseWeight[i] = ScaledSigmoid(-(right[cur] - i + 1) / (double)width) / s_maxTruePositive;
                if (i == right[cur])
                {
                    prev = cur;
                    cur++;
                }
            }
            else
            {
                prepared.Window[i] = -1;
                if (prev < 0)
                {
                    prepared.BaseWeight[i] = -1.0;
                }
                else
                {
                    int width = right[prev] - left[prev] + 1;
                    prepared.BaseWeight[i] = ScaledSigmoid((i - right[prev]) / (double)(width - 1));
                }
            }
        }
        for (int w = 0; w < windows.Count; w++)
        {
            prepared.Counted[w] = right[w] >= prepared.Probation;
        }
        return prepared;
    }

    private static string Format(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    internal sealed class PreparedFile(int rows, int windows, int probation)
    {
        public int Probation { get; } = probation;

        public int WindowCount { get; } = windows;

        public int[] Window { get; } = new int[rows];

        public double[] BaseWeight { get; } = new double[rows];

        public bool[] Counted { get; } = new bool[windows];
    }

    private sealed class ScoredPool(int rows)
    {
        public double[] Scores { get; } = new double[rows];

        public double[] BaseWeight { get; } = new double[rows];

        public int[] Window { get; } = new int[rows];

        public int CountedWindows { get; set; }
    }
}
