namespace Vigil.Tsdb.Blocks;

/// <summary>Counts recorded in a block's meta.json.</summary>
/// <param name="NumSamples">Samples in all chunks.</param>
/// <param name="NumSeries">Series in the index.</param>
/// <param name="NumChunks">Chunks in the segment files.</param>
public sealed record BlockStats(long NumSamples, long NumSeries, long NumChunks);
