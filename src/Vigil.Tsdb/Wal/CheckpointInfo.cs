namespace Vigil.Tsdb.Wal;

/// <summary>A checkpoint directory: <c>checkpoint.&lt;Index:D8&gt;</c> holds the data of every segment up to and including <see cref="Index"/>.</summary>
/// <param name="Directory">The checkpoint directory's absolute path.</param>
/// <param name="Index">The last segment the checkpoint covers.</param>
public readonly record struct CheckpointInfo(string Directory, int Index);
