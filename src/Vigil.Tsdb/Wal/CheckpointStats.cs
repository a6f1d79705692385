namespace Vigil.Tsdb.Wal;

/// <summary>What <see cref="Checkpoint.Create"/> read and kept.</summary>
/// <param name="TotalSeries">Series read from the previous checkpoint and the segments.</param>
/// <param name="DroppedSeries">Series left out because they are no longer alive.</param>
/// <param name="TotalSamples">Samples read.</param>
/// <param name="DroppedSamples">Samples left out because they are older than the minimum time or belong to a dropped series.</param>
/// <param name="DroppedRecords">Records of a type the checkpoint does not know, left out.</param>
public readonly record struct CheckpointStats(long TotalSeries, long DroppedSeries, long TotalSamples, long DroppedSamples, long DroppedRecords);
