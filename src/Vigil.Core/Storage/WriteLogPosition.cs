using System.Globalization;

namespace Vigil.Core.Storage;

/// <summary>A place in a write-ahead log: segment index and the byte offset of a frame in it.</summary>
public readonly record struct WriteLogPosition(int Segment, long Offset) : IComparable<WriteLogPosition>
{
    /// <inheritdoc />
    public int CompareTo(WriteLogPosition other)
        => Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    /// <summary>Orders positions.</summary>
    public static bool operator <(WriteLogPosition a, WriteLogPosition b) => a.CompareTo(b) < 0;

    /// <summary>Orders positions.</summary>
    public static bool operator >(WriteLogPosition a, WriteLogPosition b) => a.CompareTo(b) > 0;

    /// <summary>Orders positions.</summary>
    public static bool operator <=(WriteLogPosition a, WriteLogPosition b) => a.CompareTo(b) <= 0;

    /// <summary>Orders positions.</summary>
    public static bool operator >=(WriteLogPosition a, WriteLogPosition b) => a.CompareTo(b) >= 0;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"segment {Segment} offset {Offset}");
}
