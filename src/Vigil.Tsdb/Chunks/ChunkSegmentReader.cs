using System.Buffers.Binary;
using System.Globalization;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Index;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Chunks;

/// <summary>Reads chunk records from a block's memory-mapped segment files, verifying each record's CRC.</summary>
/// <remarks>Thread-safe for concurrent readers. Returned spans point into the mapping and are valid until <see cref="Dispose"/>.</remarks>
internal sealed class ChunkSegmentReader : IDisposable
{
    private readonly MappedFile[] _segments;

    private ChunkSegmentReader(MappedFile[] segments, long size)
    {
        _segments = segments;
        SizeBytes = size;
    }

    /// <summary>Total size of all segment files.</summary>
    public long SizeBytes { get; }

    /// <summary>Number of segment files.</summary>
    public int SegmentCount => _segments.Length;

    /// <summary>Maps every segment in <paramref name="dir"/>; they must be numbered 1..n without gaps and have a valid header.</summary>
    public static ChunkSegmentReader Open(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return new ChunkSegmentReader([], 0);
        }
        var numbered = new List<(int Number, string Path)>();
        foreach (var path in Directory.EnumerateFiles(dir))
        {
            string name = Path.GetFileName(path);
            if (name.Length == 6 && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
            {
                numbered.Add((number, path));
            }
        }
        numbered.Sort(static (a, b) => a.Number.CompareTo(b.Number));
        var segments = new List<MappedFile>(numbered.Count);
        try
        {
            long size = 0;
            for (int i = 0; i < numbered.Count; i++)
            {
                if (numbered[i].Number != i + 1)
                {
                    throw new BlockCorruptedException(Path.Combine(dir, ChunkSegments.FileName(i + 1)), null, "chunk segment missing");
                }
                var file = MappedFile.Open(numbered[i].Path);
                segments.Add(file);
                size += file.Length;
                ValidateHeader(file);
            }
            return new ChunkSegmentReader([.. segments], size);
        }
        catch
        {
            foreach (var s in segments)
            {
                s.Dispose();
            }
            throw;
        }
    }

    private static void ValidateHeader(MappedFile file)
    {
        if (file.Length < ChunkSegments.HeaderSize)
        {
            throw new BlockCorruptedException(file.Path, 0, $"chunk segment shorter than its {ChunkSegments.HeaderSize}-byte header ({file.Length} bytes)");
        }
        var header = file.Span(0, ChunkSegments.HeaderSize);
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic != ChunkSegments.Magic)
        {
            throw new BlockCorruptedException(file.Path, 0, $"bad chunk segment magic 0x{magic:x8}, expected 0x{ChunkSegments.Magic:x8}");
        }
        if (header[4] != ChunkSegments.Version)
        {
            throw new BlockCorruptedException(file.Path, 4, $"unsupported chunk segment version {header[4]}");
        }
        if (header[5] != 0 || header[6] != 0 || header[7] != 0)
        {
            throw new BlockCorruptedException(file.Path, 5, "reserved chunk segment header bytes are not zero");
        }
    }

    /// <summary>The encoded bytes of the chunk at <paramref name="chunkRef"/>; throws <see cref="BlockCorruptedException"/> naming file and offset.</summary>
    public ReadOnlySpan<byte> Read(ulong chunkRef, out ChunkEncoding encoding)
    {
        int segment = ChunkSegments.Segment(chunkRef);
        uint offset = ChunkSegments.Offset(chunkRef);
        if (segment < 1 || segment > _segments.Length)
        {
            throw new BlockCorruptedException(_segments.Length > 0 ? Path.GetDirectoryName(_segments[0].Path)! : ChunkSegments.DirectoryName, null,
                $"chunk reference 0x{chunkRef:x} names segment {segment} but the block has {_segments.Length}");
        }
        return ReadRecord(_segments[segment - 1], offset, out _, out encoding);
    }

    /// <summary>
    /// Reads every chunk record of every segment front to back, checking lengths, encodings and CRCs, and that the
    /// records fill each file exactly; returns how many chunks there are. Throws <see cref="BlockCorruptedException"/>
    /// naming file and offset of the first bad record.
    /// </summary>
    public long VerifyAll(CancellationToken cancellationToken = default)
    {
        long chunks = 0;
        foreach (var file in _segments)
        {
            long offset = ChunkSegments.HeaderSize;
            while (offset < file.Length)
            {
                if ((chunks & 0xFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                if (offset > uint.MaxValue)
                {
                    throw new BlockCorruptedException(file.Path, offset, "chunk segment is larger than 4 GiB");
                }
                ReadRecord(file, (uint)offset, out int size, out _);
                offset += size;
                chunks++;
            }
        }
        return chunks;
    }

    private static ReadOnlySpan<byte> ReadRecord(MappedFile file, uint offset, out int recordSize, out ChunkEncoding encoding)
    {
        var rest = file.SpanFrom(offset);
        int pos = 0;
        if (offset < ChunkSegments.HeaderSize || !Varint.TryReadUnsigned(rest, ref pos, out ulong len))
        {
            throw new BlockCorruptedException(file.Path, offset, "chunk record header missing (file truncated?)");
        }
        if (len > (ulong)(rest.Length - pos) || (ulong)(rest.Length - pos) - len < 5)
        {
            throw new BlockCorruptedException(file.Path, offset, $"chunk record of {len} bytes runs past the end of the file ({file.Length} bytes; truncated?)");
        }
        var body = rest.Slice(pos, (int)len + 1);
        uint stored = BinaryPrimitives.ReadUInt32BigEndian(rest[(pos + (int)len + 1)..]);
        uint actual = Crc32C.Compute(body);
        if (stored != actual)
        {
            throw new BlockCorruptedException(file.Path, offset, $"chunk CRC-32C mismatch (stored 0x{stored:x8}, computed 0x{actual:x8})");
        }
        encoding = (ChunkEncoding)body[0];
        if (encoding is not (ChunkEncoding.Xor or ChunkEncoding.Block))
        {
            throw new BlockCorruptedException(file.Path, offset, $"unknown chunk encoding {body[0]}");
        }
        if (len < 2)
        {
            throw new BlockCorruptedException(file.Path, offset, $"chunk of {len} bytes is too short");
        }
        recordSize = pos + (int)len + 1 + 4;
        return body[1..];
    }

    /// <summary>The segment file and offset a chunk reference points at, for error messages.</summary>
    public (string Path, long Offset) Locate(ulong chunkRef)
    {
        int segment = ChunkSegments.Segment(chunkRef);
        string path = segment >= 1 && segment <= _segments.Length ? _segments[segment - 1].Path : ChunkSegments.FileName(segment);
        return (path, ChunkSegments.Offset(chunkRef));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _segments)
        {
            s.Dispose();
        }
    }
}
