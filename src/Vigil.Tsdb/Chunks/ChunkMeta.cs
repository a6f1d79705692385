namespace Vigil.Tsdb.Chunks;

/// <summary>A chunk with the time range of its samples, as handed to the block writer.</summary>
/// <param name="MinTime">Timestamp of the first sample, milliseconds, inclusive.</param>
/// <param name="MaxTime">Timestamp of the last sample, milliseconds, inclusive.</param>
/// <param name="Chunk">The encoded samples; the writer only reads it.</param>
public readonly record struct ChunkMeta(long MinTime, long MaxTime, XorChunk Chunk);
