using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Vigil.Collection.Push.RemoteWrite;

/// <summary>
/// Reads protobuf wire format from a span, field by field, without allocating: the few messages of remote-write are
/// walked directly instead of being materialised as objects.
/// </summary>
/// <remarks>
/// Note: Google.Protobuf's generated parser allocates an object per sample and per label and a string per label name and
/// value; a remote-write request of 2,000 series is 2,000 messages, 10,000 labels and 2,000+ samples. Walking the bytes
/// lets the receiver find a known series by its label bytes and append samples straight from the buffer. The generated
/// types (remote_write_v1.proto, remote_write_v2.proto) are used where messages are built: tests, benchmarks, the sender.
/// Every read is bounds-checked; malformed input throws <see cref="RemoteWriteFormatException"/>, never reads out of range.
/// </remarks>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public ProtoReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    /// <summary>The wire types of protobuf.</summary>
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    /// <summary>True while fields remain.</summary>
    public readonly bool HasMore => _pos < _data.Length;

    /// <summary>The offset of the next byte in the span the reader was created on.</summary>
    public readonly int Position => _pos;

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        if (_pos >= _data.Length)
        {
            field = 0;
            wireType = 0;
            return false;
        }
        ulong tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue)
        {
            Throw("invalid field number");
        }
        return true;
    }

    /// <summary>Reads a base-128 varint of at most 10 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadVarint()
    {
        if (_pos < _data.Length && _data[_pos] < 0x80)
        {
            return _data[_pos++];
        }
        return ReadVarintSlow();
    }

    private ulong ReadVarintSlow()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= _data.Length)
            {
                Throw("truncated varint");
            }
            byte b = _data[_pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        Throw("varint longer than 10 bytes");
        return 0;
    }

    /// <summary>Reads a little-endian 64-bit value (a <c>double</c> or <c>fixed64</c>).</summary>
    public ulong ReadFixed64()
    {
        if (_data.Length - _pos < 8)
        {
            Throw("truncated fixed64");
        }
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return v;
    }

    /// <summary>Reads a <c>double</c> field's value.</summary>
    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadFixed64());

    /// <summary>Reads a length-delimited field (string, bytes, message or packed repeated) and returns its bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var (offset, length) = ReadBytesRange();
        return _data.Slice(offset, length);
    }

    /// <summary>Reads a length-delimited field and returns its offset and length in the reader's span.</summary>
    public (int Offset, int Length) ReadBytesRange()
    {
        ulong len = ReadVarint();
        if (len > (ulong)(_data.Length - _pos))
        {
            Throw("length beyond the end of the message");
        }
        int start = _pos;
        _pos += (int)len;
        return (start, (int)len);
    }

    /// <summary>Skips a field of <paramref name="wireType"/>; groups (wire types 3 and 4) are refused.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                ReadFixed64();
                break;
            case LengthDelimited:
                ReadBytesRange();
                break;
            case Fixed32:
                if (_data.Length - _pos < 4)
                {
                    Throw("truncated fixed32");
                }
                _pos += 4;
                break;
            default:
                Throw($"unsupported wire type {wireType}");
                break;
        }
    }

    /// <summary>Reads a length-delimited field's bytes after checking that <paramref name="wireType"/> says so.</summary>
    public ReadOnlySpan<byte> ReadBytes(int field, int wireType)
    {
        Expect(field, wireType, LengthDelimited);
        return ReadBytes();
    }

    /// <summary>Reads a length-delimited field's range after checking that <paramref name="wireType"/> says so.</summary>
    public (int Offset, int Length) ReadBytesRange(int field, int wireType)
    {
        Expect(field, wireType, LengthDelimited);
        return ReadBytesRange();
    }

    /// <summary>Reads a varint field after checking that <paramref name="wireType"/> says so.</summary>
    public ulong ReadVarint(int field, int wireType)
    {
        Expect(field, wireType, Varint);
        return ReadVarint();
    }

    /// <summary>Reads a <c>double</c> field after checking that <paramref name="wireType"/> says so.</summary>
    public double ReadDouble(int field, int wireType)
    {
        Expect(field, wireType, Fixed64);
        return ReadDouble();
    }

    /// <summary>Throws unless <paramref name="actual"/> is <paramref name="expected"/>.</summary>
    public static void Expect(int field, int actual, int expected)
    {
        if (actual != expected)
        {
            Throw($"field {field} has wire type {actual}, expected {expected}");
        }
    }

    [DoesNotReturn]
    public static void Throw(string message) => throw new RemoteWriteFormatException(message);
}
