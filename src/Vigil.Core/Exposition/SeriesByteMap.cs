using System.Runtime.InteropServices;

namespace Vigil.Core.Exposition;

/// <summary>
/// A dictionary keyed by the raw series bytes of exposition samples (<see cref="ExpositionParser.SeriesBytes"/>),
/// searched with a span so that a scrape finds the <c>LabelSet</c> and series reference of a known series without
/// building strings or allocating.
/// </summary>
/// <remarks>
/// Not thread-safe. Keys are copied on insertion. Two spellings of the same series (label order, spaces) are different
/// keys; each maps to the same labels once built, which is harmless. Typical use: keep one map per scrape target.
/// </remarks>
public sealed class SeriesByteMap<TValue>
{
    private readonly Dictionary<byte[], TValue> _map;
    private readonly Dictionary<byte[], TValue>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    /// <summary>Creates an empty map.</summary>
    public SeriesByteMap(int capacity = 0)
    {
        _map = new Dictionary<byte[], TValue>(capacity, ByteSequenceComparer.Instance);
        _lookup = _map.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Number of entries.</summary>
    public int Count => _map.Count;

    /// <summary>The values, in no particular order.</summary>
    public Dictionary<byte[], TValue>.ValueCollection Values => _map.Values;

    /// <summary>Finds the value stored for <paramref name="seriesBytes"/>.</summary>
    public bool TryGetValue(ReadOnlySpan<byte> seriesBytes, out TValue value)
    {
        if (_lookup.TryGetValue(seriesBytes, out var found))
        {
            value = found;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>
    /// Returns a reference to the value for <paramref name="seriesBytes"/>, adding a default entry (and copying the key)
    /// when absent. The reference is valid until the map is next modified.
    /// </summary>
    public ref TValue GetValueRefOrAddDefault(ReadOnlySpan<byte> seriesBytes, out bool exists)
        => ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, seriesBytes, out exists)!;

    /// <summary>Adds or replaces the value for <paramref name="seriesBytes"/>.</summary>
    public void Set(ReadOnlySpan<byte> seriesBytes, TValue value) => _lookup[seriesBytes] = value;

    /// <summary>Removes the entry for <paramref name="seriesBytes"/>; false when absent.</summary>
    public bool Remove(ReadOnlySpan<byte> seriesBytes) => _lookup.Remove(seriesBytes);

    /// <summary>Removes every entry whose value satisfies <paramref name="predicate"/> and returns how many were removed.</summary>
    public int RemoveWhere(Func<TValue, bool> predicate)
    {
        int removed = 0;
        foreach (var pair in _map)
        {
            if (predicate(pair.Value))
            {
                _map.Remove(pair.Key);
                removed++;
            }
        }
        return removed;
    }

    /// <summary>Removes all entries.</summary>
    public void Clear() => _map.Clear();
}
