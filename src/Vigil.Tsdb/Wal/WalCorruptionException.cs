using System.Globalization;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// A damaged or torn record in a segment: everything before <see cref="Offset"/> in <see cref="Segment"/> is intact,
/// nothing at or after it can be trusted. Pass it to <see cref="WriteAheadLog.Repair"/> to cut the log there.
/// </summary>
public sealed class WalCorruptionException : IOException
{
    /// <summary>Creates the exception for a corruption at <paramref name="offset"/> of segment <paramref name="segment"/> in <paramref name="directory"/>.</summary>
    public WalCorruptionException(string directory, int segment, long offset, string reason, bool inCheckpoint)
        : base(string.Create(
            CultureInfo.InvariantCulture,
            $"WAL corruption in {(inCheckpoint ? "checkpoint " : string.Empty)}segment {SegmentFiles.PathOf(directory, segment)} at offset {offset}: {reason}"))
    {
        Directory = directory;
        Segment = segment;
        Offset = offset;
        Reason = reason;
        InCheckpoint = inCheckpoint;
    }

    /// <summary>The directory holding the damaged segment (the log directory, or a checkpoint directory).</summary>
    public string Directory { get; }

    /// <summary>The index of the damaged segment.</summary>
    public int Segment { get; }

    /// <summary>The byte offset of the first untrustworthy byte: the start of the damaged frame.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, e.g. "CRC mismatch" or "truncated record header".</summary>
    public string Reason { get; }

    /// <summary>True when the damage is inside a checkpoint, which <see cref="WriteAheadLog.Repair"/> cannot fix.</summary>
    public bool InCheckpoint { get; }

    /// <summary>The position of the damaged frame.</summary>
    public WalPosition Position => new(Segment, Offset, InCheckpoint);
}
