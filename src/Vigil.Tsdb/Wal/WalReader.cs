using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// Reads the records of a sequence of segments in order, verifying each frame's checksum (Prometheus <c>wlog.Reader</c>).
/// </summary>
/// <remarks>
/// <para>Not thread-safe. The span returned by <see cref="Record"/> points into the reader's buffer and is valid until the
/// next call of <see cref="Next"/> or <see cref="Dispose"/>; copy what must outlive it. Reading allocates only when a
/// record is larger than any seen before.</para>
/// <para>Zero bytes where a frame should start mean preallocated or zero-filled space: the rest of that segment must be
/// zero too and is skipped. Anything else that does not verify (a partial header, a length past the end of the file, a
/// checksum mismatch, an unknown frame type, a missing segment) makes <see cref="Next"/> throw a
/// <see cref="WalCorruptionException"/> naming segment and offset; the records returned before it are intact, and every
/// later call throws the same exception.</para>
/// </remarks>
public sealed class WalReader : IDisposable
{
    private const int DefaultBufferSize = 1024 * 1024;
    private const int MaxRetainedBufferSize = 8 * 1024 * 1024;

    private readonly List<Source> _sources;
    private int _nextSource;
    private Source _current;
    private SafeFileHandle? _file;
    private long _fileLength;

    private byte[] _buffer;
    private long _bufferFileOffset;
    private int _bufferStart;
    private int _bufferEnd;

    private int _recordStart;
    private int _recordLength;
    private int _batchPos;
    private int _batchEnd;
    private WalPosition _position;
    private long _frameEnd;
    private WalCorruptionException? _error;
    private bool _disposed;

    internal WalReader(List<Source> sources)
    {
        _sources = sources;
        _buffer = ArrayPool<byte>.Shared.Rent(DefaultBufferSize);
    }

    /// <summary>
    /// A reader over the segments of <paramref name="directory"/> with indexes in [<paramref name="firstSegment"/>, <paramref name="lastSegment"/>]
    /// (both inclusive), starting at the lowest existing one; a segment missing after that is reported as corruption.
    /// </summary>
    public static WalReader Open(string directory, int firstSegment = 0, int lastSegment = int.MaxValue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string dir = Path.GetFullPath(directory);
        var sources = new List<Source>();
        int first = -1;
        int last = -1;
        foreach (int index in SegmentFiles.List(dir))
        {
            if (index < firstSegment || index > lastSegment)
            {
                continue;
            }
            if (first < 0)
            {
                first = index;
            }
            last = index;
        }
        AddRange(sources, dir, first, last, inCheckpoint: false);
        return new WalReader(sources);
    }

    /// <summary>
    /// A reader over segment <paramref name="segment"/> alone, starting at the frame at <paramref name="offset"/> (for
    /// readers that tail the log and resume where they left off).
    /// </summary>
    public static WalReader OpenAt(string directory, int segment, long offset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return new WalReader([new Source(Path.GetFullPath(directory), segment, InCheckpoint: false, offset)]);
    }

    /// <summary>
    /// A reader for start-up replay: the records of the last checkpoint (if any), then those of every segment after it,
    /// in order. Segments at or before the checkpoint's index (left over from an interrupted truncation) are skipped.
    /// </summary>
    public static WalReader OpenReplay(string walDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(walDirectory);
        string dir = Path.GetFullPath(walDirectory);
        var sources = new List<Source>();
        var checkpoint = Checkpoint.FindLast(dir);
        if (checkpoint is { } cp)
        {
            var inner = SegmentFiles.List(cp.Directory);
            if (inner.Count > 0)
            {
                AddRange(sources, cp.Directory, 0, inner[^1], inCheckpoint: true);
            }
        }
        var segments = SegmentFiles.List(dir);
        int start = checkpoint is { } c ? c.Index + 1 : (segments.Count > 0 ? segments[0] : 0);
        if (segments.Count > 0 && segments[^1] >= start)
        {
            AddRange(sources, dir, start, segments[^1], inCheckpoint: false);
        }
        return new WalReader(sources);
    }

    /// <summary>The current record's bytes; valid until the next call of <see cref="Next"/>.</summary>
    public ReadOnlySpan<byte> Record => _buffer.AsSpan(_recordStart, _recordLength);

    /// <summary>Where the current record's frame starts (records of one atomic batch share their frame's position).</summary>
    public WalPosition Position => _position;

    /// <summary>The byte offset just after the current record's frame, where the next frame starts.</summary>
    public long FrameEnd => _frameEnd;

    /// <summary>Moves to the next record; false at the end of the last segment.</summary>
    /// <exception cref="WalCorruptionException">A frame does not verify or a segment is missing.</exception>
    public bool Next()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_error is not null)
        {
            throw _error;
        }
        if (_batchPos < _batchEnd)
        {
            NextInBatch();
            return true;
        }
        while (true)
        {
            if (_file is null && !OpenNextSegment())
            {
                return false;
            }
            long frameOffset = _bufferFileOffset + _bufferStart;
            long left = _fileLength - frameOffset;
            if (left == 0)
            {
                CloseSegment();
                continue;
            }
            Fill((int)Math.Min(WalFrame.HeaderSize, left), frameOffset);
            byte type = _buffer[_bufferStart];
            if (type == 0)
            {
                SkipZeroTail(frameOffset);
                CloseSegment();
                continue;
            }
            if (type is not (WalFrame.FullRecord or WalFrame.Batch))
            {
                throw Corrupt(frameOffset, string.Create(CultureInfo.InvariantCulture, $"unknown frame type 0x{type:x2}"));
            }
            if (left < WalFrame.HeaderSize)
            {
                throw Corrupt(frameOffset, string.Create(CultureInfo.InvariantCulture,
                    $"truncated record header ({left} of {WalFrame.HeaderSize} bytes before the end of the segment)"));
            }
            var header = _buffer.AsSpan(_bufferStart, WalFrame.HeaderSize);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(header[1..]);
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(header[5..]);
            if (length > left - WalFrame.HeaderSize || length > WalFrame.MaxPayload)
            {
                throw Corrupt(frameOffset, string.Create(CultureInfo.InvariantCulture,
                    $"record length {length} exceeds the {left - WalFrame.HeaderSize} bytes left in the segment"));
            }
            int frameLength = WalFrame.HeaderSize + (int)length;
            Fill(frameLength, frameOffset);
            var frame = _buffer.AsSpan(_bufferStart, frameLength);
            uint actual = WalFrame.ChecksumOf(frame);
            if (actual != stored)
            {
                throw Corrupt(frameOffset, string.Create(CultureInfo.InvariantCulture,
                    $"CRC mismatch (stored 0x{stored:x8}, computed 0x{actual:x8}) in a {length}-byte record"));
            }
            int payloadStart = _bufferStart + WalFrame.HeaderSize;
            _bufferStart += frameLength;
            _position = new WalPosition(_current.Index, frameOffset, _current.InCheckpoint);
            _frameEnd = frameOffset + frameLength;
            if (type == WalFrame.FullRecord)
            {
                _recordStart = payloadStart;
                _recordLength = (int)length;
                return true;
            }
            ValidateBatch(payloadStart, payloadStart + (int)length, frameOffset);
            _batchPos = payloadStart;
            _batchEnd = payloadStart + (int)length;
            if (_batchPos < _batchEnd)
            {
                NextInBatch();
                return true;
            }
        }
    }

    /// <summary>Closes the current segment and returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _file?.Dispose();
        _file = null;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private static void AddRange(List<Source> sources, string directory, int first, int last, bool inCheckpoint)
    {
        if (first < 0)
        {
            return;
        }
        for (int i = first; i <= last; i++)
        {
            sources.Add(new Source(directory, i, inCheckpoint));
        }
    }

    private void NextInBatch()
    {
        int pos = _batchPos;
        // Note: the whole batch was validated when its frame was read, so this cannot fail.
        _ = Varint.TryReadUnsigned(_buffer.AsSpan(0, _batchEnd), ref pos, out ulong length);
        _recordStart = pos;
        _recordLength = (int)length;
        _batchPos = pos + (int)length;
    }

    private void ValidateBatch(int start, int end, long frameOffset)
    {
        var payload = _buffer.AsSpan(0, end);
        int pos = start;
        int count = 0;
        while (pos < end)
        {
            if (!Varint.TryReadUnsigned(payload, ref pos, out ulong length) || length > (ulong)(end - pos))
            {
                throw Corrupt(frameOffset, string.Create(CultureInfo.InvariantCulture,
                    $"malformed batch frame: bad length of record {count} at payload offset {pos - start}"));
            }
            pos += (int)length;
            count++;
        }
    }

    private bool OpenNextSegment()
    {
        if (_nextSource >= _sources.Count)
        {
            return false;
        }
        var source = _sources[_nextSource++];
        _current = source;
        _bufferStart = 0;
        _bufferEnd = 0;
        _bufferFileOffset = source.StartOffset;
        string path = SegmentFiles.PathOf(source.Directory, source.Index);
        try
        {
            _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Corrupt(0, "segment file is missing (segments must be consecutive)");
        }
        _fileLength = RandomAccess.GetLength(_file);
        if (source.StartOffset > _fileLength)
        {
            throw Corrupt(source.StartOffset, string.Create(CultureInfo.InvariantCulture, $"start offset is past the end of the segment ({_fileLength} bytes)"));
        }
        return true;
    }

    private void CloseSegment()
    {
        _file?.Dispose();
        _file = null;
        if (_buffer.Length > MaxRetainedBufferSize)
        {
            byte[] smaller = ArrayPool<byte>.Shared.Rent(DefaultBufferSize);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = smaller;
        }
    }

    /// <summary>Makes at least <paramref name="needed"/> bytes available from <see cref="_bufferStart"/>; the caller checked they exist in the file.</summary>
    private void Fill(int needed, long frameOffset)
    {
        int available = _bufferEnd - _bufferStart;
        if (available >= needed)
        {
            return;
        }
        if (needed > _buffer.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
            _buffer.AsSpan(_bufferStart, available).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        else if (_bufferStart > 0)
        {
            _buffer.AsSpan(_bufferStart, available).CopyTo(_buffer);
        }
        _bufferFileOffset += _bufferStart;
        _bufferStart = 0;
        _bufferEnd = available;
        while (_bufferEnd < needed)
        {
            long fileOffset = _bufferFileOffset + _bufferEnd;
            int toRead = (int)Math.Min(_buffer.Length - _bufferEnd, _fileLength - fileOffset);
            int read = toRead <= 0 ? 0 : RandomAccess.Read(_file!, _buffer.AsSpan(_bufferEnd, toRead), fileOffset);
            if (read == 0)
            {
                throw Corrupt(frameOffset, string.Create(CultureInfo.InvariantCulture,
                    $"segment ended at offset {fileOffset} while reading (was it truncated while being read?)"));
            }
            _bufferEnd += read;
        }
    }

    private void SkipZeroTail(long zeroStart)
    {
        long pos = zeroStart;
        while (true)
        {
            var chunk = _buffer.AsSpan(_bufferStart, _bufferEnd - _bufferStart);
            int nonZero = chunk.IndexOfAnyExcept((byte)0);
            if (nonZero >= 0)
            {
                throw Corrupt(zeroStart, string.Create(CultureInfo.InvariantCulture,
                    $"non-zero byte at offset {pos + nonZero} after zero padding that starts at offset {zeroStart}"));
            }
            pos += chunk.Length;
            _bufferStart = _bufferEnd;
            if (pos >= _fileLength)
            {
                return;
            }
            Fill((int)Math.Min(_buffer.Length, _fileLength - pos), zeroStart);
        }
    }

    private WalCorruptionException Corrupt(long offset, string reason)
    {
        _batchPos = _batchEnd = 0;
        _error = new WalCorruptionException(_current.Directory, _current.Index, offset, reason, _current.InCheckpoint);
        return _error;
    }

    internal readonly record struct Source(string Directory, int Index, bool InCheckpoint, long StartOffset = 0);
}
