namespace Vigil.Analysis.Nab;

/// <summary>One NAB data file in row order (never sorted or de-duplicated) with its labelled windows.</summary>
public sealed class NabSeries
{
    /// <summary>Creates a series; <paramref name="timestamps"/> and <paramref name="values"/> must have one entry per row.</summary>
    public NabSeries(string name, DateTime[] timestamps, double[] values, IReadOnlyList<NabWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(timestamps);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(windows);
        if (timestamps.Length != values.Length)
        {
            throw new ArgumentException($"{name}: {timestamps.Length} timestamps but {values.Length} values.", nameof(values));
        }
        Name = name;
        Timestamps = timestamps;
        Values = values;
        Windows = windows;
    }

    /// <summary>The file's key in <c>combined_windows.json</c>, e.g. <c>realTweets/Twitter_volume_FB.csv</c>.</summary>
    public string Name { get; }

    /// <summary>The row timestamps in file order.</summary>
    public DateTime[] Timestamps { get; }

    /// <summary>The row values in file order.</summary>
    public double[] Values { get; }

    /// <summary>The labelled windows in time order.</summary>
    public IReadOnlyList<NabWindow> Windows { get; }

    /// <summary>The number of rows.</summary>
    public int Length => Values.Length;
}
