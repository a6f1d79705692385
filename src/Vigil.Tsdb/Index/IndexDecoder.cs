using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Index;

/// <summary>A bounds-checked cursor over a region of an index file; every failure names the file and absolute offset.</summary>
internal ref struct IndexDecoder
{
    private readonly ReadOnlySpan<byte> _buf;
    private readonly long _baseOffset;
    private readonly string _path;
    private int _pos;

    /// <summary>Decodes <paramref name="buf"/>, which starts at <paramref name="baseOffset"/> in <paramref name="path"/>.</summary>
    public IndexDecoder(ReadOnlySpan<byte> buf, long baseOffset, string path)
    {
        _buf = buf;
        _baseOffset = baseOffset;
        _path = path;
        _pos = 0;
    }

    /// <summary>Position relative to the start of the region.</summary>
    public int Position
    {
        readonly get => _pos;
        set => _pos = value;
    }

    /// <summary>Absolute file offset of the cursor.</summary>
    public readonly long FileOffset => _baseOffset + _pos;

    /// <summary>Bytes left in the region.</summary>
    public readonly int Remaining => _buf.Length - _pos;

    /// <summary>Reads an unsigned varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Uvarint()
    {
        if (!Varint.TryReadUnsigned(_buf, ref _pos, out ulong x))
        {
            ThrowTruncated("varint");
        }
        return x;
    }

    /// <summary>Reads an unsigned varint that must fit a non-negative int.</summary>
    public int UvarintInt(string what)
    {
        long at = FileOffset;
        ulong x = Uvarint();
        if (x > int.MaxValue)
        {
            Throw(at, $"{what} {x} out of range");
        }
        return (int)x;
    }

    /// <summary>Reads a zigzag varint.</summary>
    public long Varint64() => Varint.UnZigZag(Uvarint());

    /// <summary>Reads a big-endian 32-bit integer.</summary>
    public uint U32()
    {
        if (Remaining < 4)
        {
            ThrowTruncated("uint32");
        }
        uint v = BinaryPrimitives.ReadUInt32BigEndian(_buf[_pos..]);
        _pos += 4;
        return v;
    }

    /// <summary>Reads a big-endian 64-bit integer.</summary>
    public ulong U64()
    {
        if (Remaining < 8)
        {
            ThrowTruncated("uint64");
        }
        ulong v = BinaryPrimitives.ReadUInt64BigEndian(_buf[_pos..]);
        _pos += 8;
        return v;
    }

    /// <summary>Reads <paramref name="n"/> raw bytes.</summary>
    public ReadOnlySpan<byte> Bytes(int n)
    {
        if ((uint)n > (uint)Remaining)
        {
            ThrowTruncated($"{n}-byte string");
        }
        var s = _buf.Slice(_pos, n);
        _pos += n;
        return s;
    }

    /// <summary>Throws a <see cref="BlockCorruptedException"/> at the current offset.</summary>
    [DoesNotReturn]
    public readonly void Fail(string what) => Throw(FileOffset, what);

    [DoesNotReturn]
    private readonly void ThrowTruncated(string what) => Throw(FileOffset, $"truncated or malformed {what}");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void Throw(long offset, string what) => throw new BlockCorruptedException(_path, offset, what);
}
