using System.Globalization;

namespace Vigil.Tsdb.Wal;

/// <summary>Where a record starts: segment index and byte offset of its frame header, and whether the segment belongs to a checkpoint.</summary>
/// <param name="Segment">The segment index (inside the checkpoint directory when <paramref name="InCheckpoint"/> is true).</param>
/// <param name="Offset">The byte offset of the record's frame header within the segment file.</param>
/// <param name="InCheckpoint">True when the record was read from the last checkpoint rather than from the log itself.</param>
public readonly record struct WalPosition(int Segment, long Offset, bool InCheckpoint)
{
    /// <inheritdoc />
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{(InCheckpoint ? "checkpoint " : string.Empty)}segment {SegmentFiles.Name(Segment)} offset {Offset}");
}
