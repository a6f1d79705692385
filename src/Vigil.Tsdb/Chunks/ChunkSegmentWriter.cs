using System.Buffers.Binary;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Chunks;

/// <summary>Appends chunk records to numbered segment files, starting a new file when one would exceed the size limit.</summary>
/// <remarks>Not thread-safe. <see cref="Finish"/> flushes and fsyncs every segment; disposing without it abandons the files.</remarks>
internal sealed class ChunkSegmentWriter : IDisposable
{
    private readonly string _dir;
    private readonly long _segmentSize;
    private FileStream? _file;
    private int _segment;
    private long _offset;

    /// <summary>Writes segments into <paramref name="dir"/> (created if missing), each at most <paramref name="segmentSize"/> bytes.</summary>
    public ChunkSegmentWriter(string dir, long segmentSize)
    {
        if (segmentSize < ChunkSegments.HeaderSize + 64 || segmentSize > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(segmentSize), segmentSize, "chunk segment size must be between 72 bytes and 4 GiB");
        }
        _dir = dir;
        _segmentSize = segmentSize;
        Directory.CreateDirectory(dir);
    }

    /// <summary>Total bytes written to all segments.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Writes one chunk and returns its reference.</summary>
    public ulong Write(ReadOnlySpan<byte> data, ChunkEncoding encoding)
    {
        Span<byte> head = stackalloc byte[Varint.MaxLength + 1];
        int n = Varint.WriteUnsigned(head, (ulong)data.Length);
        head[n++] = (byte)encoding;
        long recordSize = n + data.Length + 4;
        if (_file is null || (_offset + recordSize > _segmentSize && _offset > ChunkSegments.HeaderSize))
        {
            NextSegment();
        }
        ulong chunkRef = ChunkSegments.Ref(_segment, (uint)_offset);
        uint crc = Crc32C.Append(Crc32C.Compute(head.Slice(n - 1, 1)), data);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        _file!.Write(head[..n]);
        _file.Write(data);
        _file.Write(tail);
        _offset += recordSize;
        BytesWritten += recordSize;
        return chunkRef;
    }

    /// <summary>Flushes and fsyncs the open segment.</summary>
    public void Finish()
    {
        CloseCurrent();
    }

    private void NextSegment()
    {
        CloseCurrent();
        _segment++;
        string path = Path.Combine(_dir, ChunkSegments.FileName(_segment));
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> header = stackalloc byte[ChunkSegments.HeaderSize];
        header.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(header, ChunkSegments.Magic);
        header[4] = ChunkSegments.Version;
        _file.Write(header);
        _offset = ChunkSegments.HeaderSize;
        BytesWritten += ChunkSegments.HeaderSize;
    }

    private void CloseCurrent()
    {
        if (_file is null)
        {
            return;
        }
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _file = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
