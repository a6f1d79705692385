namespace Vigil.Tsdb.Blocks;

/// <summary>How a block came to be: its compaction level, the level-1 blocks its data came from, and its direct parents.</summary>
/// <param name="Level">1 for a block cut from the head; one more than the highest parent level for a compacted block.</param>
/// <param name="Sources">ULIDs of the level-1 blocks whose data this block holds, sorted.</param>
/// <param name="Parents">The blocks compacted into this one (empty at level 1). At start-up, a block listed as a parent of another existing block is deleted.</param>
public sealed record BlockCompaction(int Level, IReadOnlyList<Ulid> Sources, IReadOnlyList<BlockParent> Parents)
{
    /// <summary>The lineage of a fresh level-1 block.</summary>
    public static BlockCompaction ForNewBlock(Ulid ulid) => new(1, [ulid], []);
}
