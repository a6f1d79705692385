namespace Vigil.Tsdb.Blocks;

/// <summary>A block that was compacted into another, as recorded in the child's meta.json.</summary>
/// <param name="Ulid">The parent's ULID.</param>
/// <param name="MinTime">The parent's minimum time, milliseconds, inclusive.</param>
/// <param name="MaxTime">The parent's maximum time, milliseconds, exclusive.</param>
public readonly record struct BlockParent(Ulid Ulid, long MinTime, long MaxTime);
