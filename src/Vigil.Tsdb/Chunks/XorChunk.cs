using System.Buffers.Binary;

namespace Vigil.Tsdb.Chunks;

/// <summary>
/// A chunk of float samples encoded as in Facebook's Gorilla paper and Prometheus's XOR chunks: a two-byte
/// big-endian sample count, then a bit stream of delta-of-delta timestamps and XOR-compressed values.
/// </summary>
/// <remarks>
/// One writer (the <see cref="XorAppender"/>) and any number of concurrent readers are safe, provided readers take
/// a snapshot of (<see cref="Buffer"/>, <see cref="Count"/>) under the same lock the writer appends under: the writer
/// only ever sets bits beyond those already written, and replaces the buffer on growth without touching the old one.
/// Bytes layout: <c>[count:u16 BE][first t: zigzag varint][first v: 64 bits][second: uvarint dt, xor v][then dod, xor]...</c>.
/// Delta-of-delta buckets: <c>0</c> → 0; <c>10</c> + 7 bits; <c>110</c> + 14 bits; <c>1110</c> + 20 bits; <c>1111</c> + 64 bits
/// (Prometheus uses 14/17/20; the 7-bit bucket stores millisecond scrape jitter in 9 bits).
/// </remarks>
public sealed class XorChunk
{
    internal byte[] _buf;
    internal int _bitLength;

    /// <summary>Creates an empty chunk ready for appending.</summary>
    public XorChunk(int initialCapacity = 128)
    {
        _buf = new byte[Math.Max(initialCapacity, 16)];
        _bitLength = 16;
    }

    /// <summary>Wraps encoded bytes (e.g. read from a block); the chunk takes ownership and is read-only.</summary>
    public XorChunk(byte[] bytes)
    {
        if (bytes.Length < 2)
        {
            throw new InvalidDataException($"XOR chunk too short: {bytes.Length} bytes");
        }
        _buf = bytes;
        _bitLength = bytes.Length * 8;
    }

    /// <summary>Number of samples, read from the header.</summary>
    public int Count => BinaryPrimitives.ReadUInt16BigEndian(_buf);

    /// <summary>The encoding tag.</summary>
    public static ChunkEncoding Encoding => ChunkEncoding.Xor;

    /// <summary>The current backing buffer (may be larger than the encoded bytes).</summary>
    internal byte[] Buffer => _buf;

    /// <summary>Encoded size in bytes.</summary>
    public int Length => (_bitLength + 7) >> 3;

    /// <summary>The encoded bytes (header + bit stream) without trailing spare capacity.</summary>
    public ReadOnlySpan<byte> Bytes => _buf.AsSpan(0, Length);

    /// <summary>Shrinks the buffer to the encoded size plus 8 bytes of read padding (call when the chunk is full).</summary>
    public void Trim()
    {
        // Note: the padding lets the decoder use whole 64-bit loads up to the last sample.
        int len = Length + 8;
        if (_buf.Length > len)
        {
            var nb = new byte[len];
            _buf.AsSpan(0, Length).CopyTo(nb);
            _buf = nb;
        }
    }

    /// <summary>Creates an appender positioned after the last sample (decodes the chunk once to restore state).</summary>
    public XorAppender Appender() => new(this);

    /// <summary>Returns an iterator over all samples, reusing <paramref name="reuse"/> when given.</summary>
    public XorIterator Iterator(XorIterator? reuse = null)
    {
        var it = reuse ?? new XorIterator();
        it.Reset(_buf, 0, Length, Count);
        return it;
    }
}
