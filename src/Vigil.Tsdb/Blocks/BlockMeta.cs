namespace Vigil.Tsdb.Blocks;

/// <summary>What a block's <c>meta.json</c> says about it.</summary>
/// <param name="Ulid">The block's identity and directory name.</param>
/// <param name="MinTime">First timestamp the block may hold, milliseconds, inclusive.</param>
/// <param name="MaxTime">End of the block's range, milliseconds, exclusive (as in Prometheus).</param>
/// <param name="Stats">Counts of samples, series and chunks.</param>
/// <param name="Compaction">Level and lineage.</param>
/// <param name="Version">Format version of meta.json; 1.</param>
public sealed record BlockMeta(Ulid Ulid, long MinTime, long MaxTime, BlockStats Stats, BlockCompaction Compaction, int Version = 1)
{
    /// <summary>True when the block's range intersects the inclusive range [<paramref name="mint"/>, <paramref name="maxt"/>].</summary>
    public bool Overlaps(long mint, long maxt) => mint < MaxTime && maxt >= MinTime;
}
