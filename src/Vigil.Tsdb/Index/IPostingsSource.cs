namespace Vigil.Tsdb.Index;

/// <summary>An inverted index over series references: what the head and each block expose to matcher selection.</summary>
/// <remarks>Implementations are safe for concurrent readers. Returned arrays are sorted, duplicate-free and must not be modified.</remarks>
public interface IPostingsSource
{
    /// <summary>References of all series.</summary>
    ulong[] AllPostings();

    /// <summary>References of series having label <paramref name="name"/>=<paramref name="value"/> (empty if none).</summary>
    ulong[] Postings(string name, string value);

    /// <summary>All values label <paramref name="name"/> takes, in any order.</summary>
    IReadOnlyList<string> LabelValues(string name);

    /// <summary>All label names, in any order.</summary>
    IReadOnlyList<string> LabelNames();
}
