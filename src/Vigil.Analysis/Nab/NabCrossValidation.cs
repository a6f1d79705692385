namespace Vigil.Analysis.Nab;

/// <summary>
/// Leave-one-category-out cross-validation on NAB files: each NAB category (the folder of a file's name, e.g.
/// <c>realKnownCause</c>) is held out in turn; the parameter set (from a declared grid) and the threshold are chosen by
/// the best raw score on the other categories, and the held-out files are scored with them.
/// </summary>
/// <remarks>
/// The pooled result sums the held-out raw scores of all folds and normalizes them over all windows, so it is on the
/// same scale as an in-sample score of the same files. Thread-safe (no shared state).
/// </remarks>
public static class NabCrossValidation
{
    /// <summary>The NAB category of a file: the part of its name before the first <c>/</c> (empty when there is none).</summary>
    public static string CategoryOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : name[..slash];
    }

    /// <summary>
    /// Cross-validates one detector. <paramref name="scores"/>[g][f] are the detector's per-row scores of file f with
    /// parameter set g of <paramref name="grid"/>.
    /// </summary>
    public static NabCrossValidationResult Run(
        IReadOnlyList<NabSeries> files, IReadOnlyList<IReadOnlyDictionary<string, double>> grid, IReadOnlyList<double[][]> scores, NabProfile profile)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(profile);
        if (grid.Count == 0 || grid.Count != scores.Count)
        {
            throw new ArgumentException($"{grid.Count} parameter sets but {scores.Count} score sets.", nameof(scores));
        }
        var categories = files.Select(f => CategoryOf(f.Name)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (categories.Count < 2)
        {
            throw new ArgumentException($"cross-validation needs files of at least two NAB categories (folders), got {categories.Count}: {string.Join(", ", categories)}.", nameof(files));
        }
        var folds = new List<NabFold>();
        double pooledRaw = 0;
        int windows = 0, detected = 0, falsePositives = 0;
        foreach (string category in categories)
        {
            var heldOut = new List<int>();
            var training = new List<int>();
            for (int f = 0; f < files.Count; f++)
            {
                (CategoryOf(files[f].Name) == category ? heldOut : training).Add(f);
            }
            int best = -1;
            NabResult? bestTraining = null;
            for (int g = 0; g < grid.Count; g++)
            {
                var result = NabScorer.Optimize(Pick(files, training), Pick(scores[g], training), profile);
                // Note: ties keep the earlier parameter set, so the grid's order (defaults first) breaks them.
                if (bestTraining is null || result.Raw > bestTraining.Raw)
                {
                    best = g;
                    bestTraining = result;
                }
            }
            var held = NabScorer.ScoreAt(Pick(files, heldOut), Pick(scores[best], heldOut), profile, bestTraining!.Threshold);
            folds.Add(new NabFold(category, [.. heldOut.Select(f => files[f].Name)], [.. training.Select(f => files[f].Name)],
                grid[best], bestTraining, held));
            pooledRaw += held.Raw;
            windows += held.Windows;
            detected += held.WindowsDetected;
            falsePositives += held.FalsePositives;
        }
        var pooled = new NabResult(profile, double.NaN, pooledRaw, NabScorer.Normalize(pooledRaw, windows, profile), detected, windows, falsePositives);
        var withWindows = folds.Where(f => f.HeldOut.Windows > 0).ToList();
        double mean = withWindows.Count == 0 ? double.NaN : withWindows.Average(f => f.HeldOut.Normalized);

        // The in-sample reference: parameters and threshold chosen on all files at once.
        NabResult? inSample = null;
        int inSampleIndex = -1;
        for (int g = 0; g < grid.Count; g++)
        {
            var result = NabScorer.Optimize(files, scores[g], profile);
            if (inSample is null || result.Raw > inSample.Raw)
            {
                inSample = result;
                inSampleIndex = g;
            }
        }
        return new NabCrossValidationResult(profile, folds, pooled, mean, inSample!, grid[inSampleIndex]);
    }

    private static List<T> Pick<T>(IReadOnlyList<T> items, List<int> indices) => [.. indices.Select(i => items[i])];
}

/// <summary>One fold of <see cref="NabCrossValidation"/>.</summary>
/// <param name="Category">The held-out category.</param>
/// <param name="HeldOutFiles">The files scored in this fold (those of the category).</param>
/// <param name="TrainingFiles">The files the parameters and threshold were chosen on (all the others).</param>
/// <param name="Parameters">The chosen parameter set.</param>
/// <param name="Training">The best result on the training files (its threshold is the one applied to the held-out files).</param>
/// <param name="HeldOut">The held-out files scored at the training threshold.</param>
public sealed record NabFold(
    string Category, IReadOnlyList<string> HeldOutFiles, IReadOnlyList<string> TrainingFiles,
    IReadOnlyDictionary<string, double> Parameters, NabResult Training, NabResult HeldOut);

/// <summary>The cross-validated result of one detector under one profile.</summary>
/// <param name="Profile">The profile.</param>
/// <param name="Folds">One fold per category, in ordinal order of the category names.</param>
/// <param name="Pooled">All held-out raw scores summed and normalized over all windows (threshold NaN: it varies by fold).</param>
/// <param name="MeanFoldScore">The mean normalized score of the folds that have windows.</param>
/// <param name="InSample">The in-sample reference: the best parameters and threshold chosen on all files.</param>
/// <param name="InSampleParameters">The parameter set of <paramref name="InSample"/>.</param>
public sealed record NabCrossValidationResult(
    NabProfile Profile, IReadOnlyList<NabFold> Folds, NabResult Pooled, double MeanFoldScore,
    NabResult InSample, IReadOnlyDictionary<string, double> InSampleParameters);
