using System.Buffers.Binary;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// The on-disk framing of one record in a segment: a 9-byte header, then the payload.
/// </summary>
/// <remarks>
/// Header: byte 0 is the frame type (<see cref="FullRecord"/> or <see cref="Batch"/>; 0 never starts a frame, so
/// zero-filled space reads as end of segment), bytes 1-4 the payload length (uint32 little-endian), bytes 5-8 the
/// CRC-32C (little-endian) of header bytes 0-4 followed by the payload. Covering the length with the checksum means a
/// torn or flipped length is detected, not just a damaged payload. A batch frame's payload is a sequence of records,
/// each prefixed by its length as a uvarint; one checksum over the batch makes it all-or-nothing after a crash.
/// </remarks>
internal static class WalFrame
{
    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 9;

    /// <summary>Frame type of one complete record.</summary>
    public const byte FullRecord = 1;

    /// <summary>Frame type of an atomic batch of records.</summary>
    public const byte Batch = 2;

    /// <summary>The largest payload one frame can carry.</summary>
    public const int MaxPayload = int.MaxValue - 64;

    /// <summary>The checksum stored in the header of a frame of type <paramref name="type"/> carrying <paramref name="payload"/>.</summary>
    public static uint Checksum(byte type, ReadOnlySpan<byte> payload)
    {
        Span<byte> prefix = stackalloc byte[5];
        prefix[0] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[1..], (uint)payload.Length);
        return Crc32C.Finish(Crc32C.Update(Crc32C.Update(Crc32C.Seed, prefix), payload));
    }

    /// <summary>Writes the header of a frame of type <paramref name="type"/> with a payload of <paramref name="length"/> bytes.</summary>
    public static void WriteHeader(Span<byte> dst, byte type, int length, uint crc)
    {
        dst[0] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(dst[1..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[5..], crc);
    }

    /// <summary>The checksum of a frame already laid out in <paramref name="frame"/> (header with type and length, then payload).</summary>
    public static uint ChecksumOf(ReadOnlySpan<byte> frame)
        => Crc32C.Finish(Crc32C.Update(Crc32C.Update(Crc32C.Seed, frame[..5]), frame[HeaderSize..]));
}
