using System.Buffers.Binary;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Index;

/// <summary>A buffered file writer that tracks its position and computes the CRC-32C of the section being written.</summary>
/// <remarks>Not thread-safe.</remarks>
internal sealed class SectionWriter : IDisposable
{
    private readonly FileStream _fs;
    private readonly byte[] _buf = new byte[1 << 16];
    private int _len;
    private long _flushed;
    private bool _inSection;
    private int _crcFrom;
    private uint _crc;
    private long _sectionStart;

    /// <summary>Creates <paramref name="path"/>, which must not exist.</summary>
    public SectionWriter(string path)
    {
        _fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
    }

    /// <summary>Bytes written so far (the file offset of the next byte).</summary>
    public long Position => _flushed + _len;

    /// <summary>Starts a checksummed section at the current position.</summary>
    public void BeginSection()
    {
        _inSection = true;
        _crc = 0;
        _crcFrom = _len;
        _sectionStart = Position;
    }

    /// <summary>Ends the section; returns its offset, length and CRC-32C.</summary>
    public (long Offset, long Length, uint Crc) EndSection()
    {
        _crc = Crc32C.Append(_crc, _buf.AsSpan(_crcFrom, _len - _crcFrom));
        _crcFrom = _len;
        _inSection = false;
        return (_sectionStart, Position - _sectionStart, _crc);
    }

    /// <summary>Writes an unsigned varint.</summary>
    public void WriteUvarint(ulong x)
    {
        Ensure(Varint.MaxLength);
        _len += Varint.WriteUnsigned(_buf.AsSpan(_len), x);
    }

    /// <summary>Writes a big-endian 32-bit integer.</summary>
    public void WriteU32(uint x)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buf.AsSpan(_len), x);
        _len += 4;
    }

    /// <summary>Writes a big-endian 64-bit integer.</summary>
    public void WriteU64(ulong x)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buf.AsSpan(_len), x);
        _len += 8;
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            Ensure(1);
            int n = Math.Min(bytes.Length, _buf.Length - _len);
            bytes[..n].CopyTo(_buf.AsSpan(_len));
            _len += n;
            bytes = bytes[n..];
        }
    }

    /// <summary>Makes room for <paramref name="n"/> bytes (at most the buffer size) or flushes.</summary>
    public void Ensure(int n)
    {
        if (_len + n > _buf.Length)
        {
            Flush();
        }
    }

    /// <summary>Flushes, fsyncs and closes the file.</summary>
    public void Complete()
    {
        Flush();
        _fs.Flush(flushToDisk: true);
        _fs.Dispose();
    }

    private void Flush()
    {
        if (_inSection)
        {
            _crc = Crc32C.Append(_crc, _buf.AsSpan(_crcFrom, _len - _crcFrom));
        }
        _fs.Write(_buf, 0, _len);
        _flushed += _len;
        _len = 0;
        _crcFrom = 0;
    }

    /// <inheritdoc />
    public void Dispose() => _fs.Dispose();
}
