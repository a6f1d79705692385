namespace Vigil.Tsdb.Chunks;

/// <summary>Where a chunk of a block lives and which inclusive time range its samples cover (milliseconds).</summary>
internal readonly record struct ChunkRefMeta(long MinTime, long MaxTime, ulong Ref);
