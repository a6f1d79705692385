using System.Buffers.Binary;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Push;

/// <summary>
/// Remembers, for the bytes a sender used for a series (remote-write label bytes, the series part of a text line), the
/// <see cref="LabelSet"/> built from them and the storage's reference, so a known series costs one hash lookup instead
/// of decoding, validating and sorting its labels. One instance per wire format, shared by all requests of that format.
/// </summary>
/// <remarks>
/// Thread-safe: the map is split into shards, each behind its own lock. Bounded: a shard that reaches its share of
/// <c>maxEntries</c> is emptied (the next request rebuilds what it needs). A reference that the storage has since dropped
/// is harmless: appenders fall back to the labels, and the new reference replaces the old one.
/// </remarks>
internal sealed class PushSeriesCache
{
    private const int ShardCount = 32;

    private readonly SeriesByteMap<Entry>[] _shards = new SeriesByteMap<Entry>[ShardCount];
    private readonly int _maxPerShard;

    public PushSeriesCache(int maxEntries = 1_000_000)
    {
        _maxPerShard = Math.Max(1, maxEntries / ShardCount);
        for (int i = 0; i < ShardCount; i++)
        {
            _shards[i] = new SeriesByteMap<Entry>();
        }
    }

    /// <summary>Number of series remembered.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var shard in _shards)
            {
                lock (shard)
                {
                    n += shard.Count;
                }
            }
            return n;
        }
    }

    /// <summary>Finds the entry for <paramref name="key"/>.</summary>
    public Entry? Get(ReadOnlySpan<byte> key)
    {
        var shard = Shard(key);
        lock (shard)
        {
            return shard.TryGetValue(key, out var e) ? e : null;
        }
    }

    /// <summary>Remembers <paramref name="labels"/> for <paramref name="key"/> and returns the entry to keep the reference in.</summary>
    public Entry Add(ReadOnlySpan<byte> key, LabelSet labels)
    {
        var entry = new Entry(labels);
        var shard = Shard(key);
        lock (shard)
        {
            if (shard.Count >= _maxPerShard)
            {
                shard.Clear();
            }
            shard.Set(key, entry);
        }
        return entry;
    }

    /// <summary>
    /// Picks a shard from the key's length and two 8-byte windows (its middle and its end).
    /// </summary>
    /// <remarks>
    /// Note: each shard's map hashes the whole key anyway; the shard only spreads lock traffic, so a cheap, weaker
    /// choice here costs at most some contention, never a wrong answer.
    /// </remarks>
    private SeriesByteMap<Entry> Shard(ReadOnlySpan<byte> key)
    {
        ulong h = (ulong)key.Length;
        if (key.Length >= 8)
        {
            h ^= BinaryPrimitives.ReadUInt64LittleEndian(key[^8..]);
            h ^= BinaryPrimitives.ReadUInt64LittleEndian(key.Slice((key.Length / 2) - 4, 8)) * 0x9E3779B97F4A7C15UL;
        }
        return _shards[(int)((h * 0x9E3779B97F4A7C15UL) >> 59)];
    }

    /// <summary>A remembered series. <see cref="Ref"/> is read and written without a lock: a stale value only costs a lookup.</summary>
    internal sealed class Entry(LabelSet labels)
    {
        public LabelSet Labels { get; } = labels;

        public SeriesRef Ref;
    }
}
