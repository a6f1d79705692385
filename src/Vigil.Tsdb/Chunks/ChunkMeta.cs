namespace Vigil.Tsdb.Chunks;

/// <summary>A chunk with the time range of its samples, as handed to the block writer.</summary>
/// <param name="MinTime">Timestamp of the first sample, milliseconds, inclusive.</param>
/// <param name="MaxTime">Timestamp of the last sample, milliseconds, inclusive.</param>
/// <param name="Data">The encoded samples; the writer only reads them.</param>
/// <param name="Encoding">How <paramref name="Data"/> is encoded.</param>
public readonly record struct ChunkMeta(long MinTime, long MaxTime, ReadOnlyMemory<byte> Data, ChunkEncoding Encoding)
{
    /// <summary>A chunk of the head's XOR encoding.</summary>
    public ChunkMeta(long minTime, long maxTime, XorChunk chunk)
        : this(minTime, maxTime, chunk.Buffer.AsMemory(0, chunk.Length), ChunkEncoding.Xor)
    {
    }
}
