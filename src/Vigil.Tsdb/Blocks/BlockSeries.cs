using Vigil.Core.Labels;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Blocks;

/// <summary>One series handed to <see cref="BlockWriter"/>: its labels and its chunks sorted by time, not overlapping.</summary>
/// <param name="Labels">The series' labels.</param>
/// <param name="Chunks">The chunks, each inside the block's range; series without chunks are skipped.</param>
public sealed record BlockSeries(LabelSet Labels, IReadOnlyList<ChunkMeta> Chunks);
