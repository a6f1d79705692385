using System.Globalization;

namespace Vigil.Tsdb.Chunks;

/// <summary>
/// Layout of a block's chunk segment files <c>chunks/000001</c>, <c>chunks/000002</c>, ….
/// </summary>
/// <remarks>
/// A segment starts with an 8-byte header: magic <c>0x56474348</c> ("VGCH", big-endian), format version 1, three
/// zero bytes. Then chunk records follow back to back:
/// <c>[data length: uvarint][encoding: 1 byte][data][CRC-32C of encoding and data: 4 bytes big-endian]</c>.
/// A chunk reference is <c>segment number &lt;&lt; 32 | byte offset of the record</c>, segment numbers start at 1.
/// </remarks>
internal static class ChunkSegments
{
    /// <summary>Magic number at the start of every segment.</summary>
    public const uint Magic = 0x56474348;

    /// <summary>Format version written and accepted.</summary>
    public const byte Version = 1;

    /// <summary>Size of the segment header.</summary>
    public const int HeaderSize = 8;

    /// <summary>Default segment size before the writer starts a new file.</summary>
    public const long DefaultSegmentSize = 512L * 1024 * 1024;

    /// <summary>The subdirectory of a block that holds its segments.</summary>
    public const string DirectoryName = "chunks";

    /// <summary>Packs a segment number and an offset into a chunk reference.</summary>
    public static ulong Ref(int segment, uint offset) => ((ulong)(uint)segment << 32) | offset;

    /// <summary>The segment number of a chunk reference.</summary>
    public static int Segment(ulong chunkRef) => (int)(chunkRef >> 32);

    /// <summary>The byte offset of a chunk reference within its segment.</summary>
    public static uint Offset(ulong chunkRef) => (uint)chunkRef;

    /// <summary>The file name of segment <paramref name="segment"/>.</summary>
    public static string FileName(int segment) => segment.ToString("D6", CultureInfo.InvariantCulture);
}
