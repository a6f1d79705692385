using System.Buffers.Binary;
using System.Text;
using Vigil.Core.Labels;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Chunks;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Index;

/// <summary>Reads a memory-mapped block index (format in <see cref="IndexFormat"/>).</summary>
/// <remarks>
/// Opening verifies the header, the TOC and the CRC-32C of every section, and loads the postings offset table (one
/// entry per label pair) and every 32nd symbol offset into memory. Symbols are decoded on first use and cached.
/// Thread-safe for concurrent readers; the caller keeps the mapping alive (see <see cref="Block"/>'s reference count).
/// </remarks>
internal sealed class IndexReader : IPostingsSource, IDisposable
{
    private readonly MappedFile _file;
    private readonly long[] _sectionOffset = new long[IndexFormat.SectionCount];
    private readonly long[] _sectionLength = new long[IndexFormat.SectionCount];
    private readonly int _symbolCount;
    private readonly long[] _symbolSamples;
    private readonly string?[] _symbolCache;
    private readonly Dictionary<string, NameEntry> _names;
    private readonly string[] _sortedNames;

    private sealed class NameEntry(int[] valueRefs, long[] postingsOffsets)
    {
        public int[] ValueRefs { get; } = valueRefs;

        public long[] PostingsOffsets { get; } = postingsOffsets;
    }

    private IndexReader(MappedFile file)
    {
        _file = file;
        string path = file.Path;
        if (file.Length < IndexFormat.HeaderSize + IndexFormat.TocSize)
        {
            throw new BlockCorruptedException(path, null, $"index too short ({file.Length} bytes)");
        }
        var header = file.Span(0, IndexFormat.HeaderSize);
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic != IndexFormat.Magic)
        {
            throw new BlockCorruptedException(path, 0, $"bad index magic 0x{magic:x8}, expected 0x{IndexFormat.Magic:x8}");
        }
        if (header[4] != IndexFormat.Version)
        {
            throw new BlockCorruptedException(path, 4, $"unsupported index version {header[4]}");
        }
        if (header[5] != 0 || header[6] != 0 || header[7] != 0)
        {
            throw new BlockCorruptedException(path, 5, "reserved index header bytes are not zero");
        }

        long tocOffset = file.Length - IndexFormat.TocSize;
        var toc = file.Span(tocOffset, IndexFormat.TocSize);
        int crcAt = IndexFormat.TocSize - 4;
        uint tocCrc = BinaryPrimitives.ReadUInt32BigEndian(toc[crcAt..]);
        if (Crc32C.Compute(toc[..crcAt]) != tocCrc)
        {
            throw new BlockCorruptedException(path, tocOffset, "index TOC CRC-32C mismatch (file truncated or damaged)");
        }
        long expectedStart = IndexFormat.HeaderSize;
        for (int i = 0; i < IndexFormat.SectionCount; i++)
        {
            var e = toc[(i * IndexFormat.SectionEntrySize)..];
            long off = (long)BinaryPrimitives.ReadUInt64BigEndian(e);
            long len = (long)BinaryPrimitives.ReadUInt64BigEndian(e[8..]);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(e[16..]);
            string name = IndexFormat.SectionNames[i];
            if (off != expectedStart || len < 0 || len > tocOffset - off)
            {
                throw new BlockCorruptedException(path, tocOffset, $"index TOC gives the {name} section an impossible range [{off}, +{len})");
            }
            uint actual = Checksum(off, len);
            if (actual != crc)
            {
                throw new BlockCorruptedException(path, off, $"CRC-32C mismatch in the {name} section [{off}, {off + len}) (stored 0x{crc:x8}, computed 0x{actual:x8})");
            }
            _sectionOffset[i] = off;
            _sectionLength[i] = len;
            expectedStart = off + len;
        }
        if (expectedStart != tocOffset)
        {
            throw new BlockCorruptedException(path, expectedStart, "unexpected bytes between the last index section and the TOC");
        }
        int tail = IndexFormat.SectionCount * IndexFormat.SectionEntrySize;
        BaseTime = BinaryPrimitives.ReadInt64BigEndian(toc[tail..]);
        SeriesCount = (long)BinaryPrimitives.ReadUInt64BigEndian(toc[(tail + 8)..]);

        (_symbolCount, _symbolSamples) = ReadSymbolOffsets();
        _symbolCache = new string?[_symbolCount];
        (_names, _sortedNames) = ReadPostingsTable();
    }

    /// <summary>Maps and validates the index at <paramref name="path"/>; throws <see cref="BlockCorruptedException"/>.</summary>
    public static IndexReader Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            return new IndexReader(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The index file's path.</summary>
    public string Path => _file.Path;

    /// <summary>Size of the index file.</summary>
    public long SizeBytes => _file.Length;

    /// <summary>The time chunk start times are stored relative to (the block's minimum time).</summary>
    public long BaseTime { get; }

    /// <summary>Number of series in the index.</summary>
    public long SeriesCount { get; }

    /// <summary>Number of symbols.</summary>
    public int SymbolCount => _symbolCount;

    private uint Checksum(long off, long len)
    {
        uint crc = 0;
        const int step = 1 << 30;
        while (len > 0)
        {
            int n = (int)Math.Min(step, len);
            crc = Crc32C.Append(crc, _file.Span(off, n));
            off += n;
            len -= n;
        }
        return crc;
    }

    private IndexDecoder Section(int section, long from = 0)
    {
        long start = _sectionOffset[section] + from;
        long len = _sectionLength[section] - from;
        return new IndexDecoder(_file.Span(start, (int)Math.Min(len, int.MaxValue)), start, _file.Path);
    }

    private (int Count, long[] Samples) ReadSymbolOffsets()
    {
        var d = Section(IndexFormat.Symbols);
        int count = d.UvarintInt("symbol count");
        var samples = new long[(count + IndexFormat.SymbolSampleEvery - 1) / IndexFormat.SymbolSampleEvery];
        for (int i = 0; i < count; i++)
        {
            if (i % IndexFormat.SymbolSampleEvery == 0)
            {
                samples[i / IndexFormat.SymbolSampleEvery] = d.FileOffset;
            }
            int len = d.UvarintInt("symbol length");
            d.Bytes(len);
        }
        if (d.Remaining != 0)
        {
            d.Fail($"{d.Remaining} unexpected bytes after {count} symbols");
        }
        return (count, samples);
    }

    private (Dictionary<string, NameEntry>, string[]) ReadPostingsTable()
    {
        var d = Section(IndexFormat.PostingsTable);
        long postingsLength = _sectionLength[IndexFormat.PostingsLists];
        int nameCount = d.UvarintInt("label name count");
        var names = new Dictionary<string, NameEntry>(nameCount, StringComparer.Ordinal);
        var sorted = new string[nameCount];
        int prevName = -1;
        for (int i = 0; i < nameCount; i++)
        {
            long at = d.FileOffset;
            int nameRef = d.UvarintInt("label name reference");
            if (nameRef <= prevName || nameRef >= _symbolCount)
            {
                throw new BlockCorruptedException(_file.Path, at, $"label name reference {nameRef} out of order or beyond {_symbolCount} symbols");
            }
            prevName = nameRef;
            int valueCount = d.UvarintInt("label value count");
            if (valueCount == 0)
            {
                d.Fail("label name without values");
            }
            var refs = new int[valueCount];
            var offsets = new long[valueCount];
            long value = 0, offset = 0;
            for (int k = 0; k < valueCount; k++)
            {
                at = d.FileOffset;
                ulong dv = d.Uvarint();
                ulong doff = d.Uvarint();
                if ((k > 0 && dv == 0) || dv >= (ulong)_symbolCount || (k > 0 && doff == 0) || doff >= (ulong)postingsLength)
                {
                    throw new BlockCorruptedException(_file.Path, at, "postings table entry out of range");
                }
                value += (long)dv;
                offset += (long)doff;
                if (value >= _symbolCount || offset >= postingsLength)
                {
                    throw new BlockCorruptedException(_file.Path, at, "postings table entry out of range");
                }
                refs[k] = (int)value;
                offsets[k] = _sectionOffset[IndexFormat.PostingsLists] + offset;
            }
            string name = Symbol(nameRef);
            sorted[i] = name;
            names[name] = new NameEntry(refs, offsets);
        }
        if (d.Remaining != 0)
        {
            d.Fail($"{d.Remaining} unexpected bytes after the postings table");
        }
        return (names, sorted);
    }

    /// <summary>The symbol with reference <paramref name="symbolRef"/>.</summary>
    public string Symbol(int symbolRef)
    {
        if ((uint)symbolRef >= (uint)_symbolCount)
        {
            throw new BlockCorruptedException(_file.Path, null, $"symbol reference {symbolRef} beyond {_symbolCount} symbols");
        }
        return _symbolCache[symbolRef] ?? DecodeSymbol(symbolRef);
    }

    private string DecodeSymbol(int symbolRef)
    {
        long start = _symbolSamples[symbolRef / IndexFormat.SymbolSampleEvery];
        long end = _sectionOffset[IndexFormat.Symbols] + _sectionLength[IndexFormat.Symbols];
        var d = new IndexDecoder(_file.Span(start, (int)Math.Min(end - start, int.MaxValue)), start, _file.Path);
        for (int skip = symbolRef % IndexFormat.SymbolSampleEvery; skip > 0; skip--)
        {
            d.Bytes(d.UvarintInt("symbol length"));
        }
        string s = Encoding.UTF8.GetString(d.Bytes(d.UvarintInt("symbol length")));
        // Note: racing threads may each decode the same symbol; either string is correct.
        _symbolCache[symbolRef] = s;
        return s;
    }

    /// <inheritdoc />
    public ulong[] AllPostings() => DecodePostings(_sectionOffset[IndexFormat.PostingsLists]);

    /// <inheritdoc />
    public ulong[] Postings(string name, string value)
    {
        if (!_names.TryGetValue(name, out var e))
        {
            return [];
        }
        int i = FindValue(e, value);
        return i < 0 ? [] : DecodePostings(e.PostingsOffsets[i]);
    }

    private int FindValue(NameEntry e, string value)
    {
        int lo = 0, hi = e.ValueRefs.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = string.CompareOrdinal(Symbol(e.ValueRefs[mid]), value);
            if (c == 0)
            {
                return mid;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return -1;
    }

    private ulong[] DecodePostings(long offset)
    {
        long end = _sectionOffset[IndexFormat.PostingsLists] + _sectionLength[IndexFormat.PostingsLists];
        var d = new IndexDecoder(_file.Span(offset, (int)Math.Min(end - offset, int.MaxValue)), offset, _file.Path);
        int count = d.UvarintInt("postings count");
        if (count > d.Remaining)
        {
            d.Fail($"postings list of {count} entries longer than its section");
        }
        long seriesStart = _sectionOffset[IndexFormat.Series];
        ulong seriesEnd = (ulong)(seriesStart + _sectionLength[IndexFormat.Series]);
        var result = new ulong[count];
        ulong prev = 0;
        for (int i = 0; i < count; i++)
        {
            ulong delta = d.Uvarint();
            ulong r = prev + delta;
            if ((i > 0 && delta == 0) || r < (ulong)seriesStart || r >= seriesEnd)
            {
                d.Fail($"series reference {r} out of order or outside the series section");
            }
            result[i] = r;
            prev = r;
        }
        return result;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LabelValues(string name)
    {
        if (!_names.TryGetValue(name, out var e))
        {
            return [];
        }
        var values = new string[e.ValueRefs.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Symbol(e.ValueRefs[i]);
        }
        return values;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LabelNames() => _sortedNames;

    private IndexDecoder SeriesAt(ulong seriesRef)
    {
        long start = _sectionOffset[IndexFormat.Series];
        long end = start + _sectionLength[IndexFormat.Series];
        if (seriesRef < (ulong)start || seriesRef >= (ulong)end)
        {
            throw new BlockCorruptedException(_file.Path, (long)Math.Min(seriesRef, long.MaxValue), "series reference outside the series section");
        }
        long off = (long)seriesRef;
        return new IndexDecoder(_file.Span(off, (int)Math.Min(end - off, int.MaxValue)), off, _file.Path);
    }

    /// <summary>Reads the labels of the series at <paramref name="seriesRef"/>.</summary>
    public LabelSet ReadLabels(ulong seriesRef)
    {
        var d = SeriesAt(seriesRef);
        int n = d.UvarintInt("label count");
        if (n > d.Remaining)
        {
            d.Fail($"label count {n} exceeds the series section");
        }
        var labels = new Label[n];
        for (int i = 0; i < n; i++)
        {
            int name = d.UvarintInt("label name reference");
            int value = d.UvarintInt("label value reference");
            labels[i] = new Label(Symbol(name), Symbol(value));
        }
        return LabelSet.FromSortedUnsafe(labels);
    }

    /// <summary>Appends the chunk metas of the series at <paramref name="seriesRef"/> to <paramref name="into"/>.</summary>
    public void ReadChunks(ulong seriesRef, List<ChunkRefMeta> into)
    {
        var d = SeriesAt(seriesRef);
        int n = d.UvarintInt("label count");
        for (int i = 0; i < 2 * n; i++)
        {
            d.Uvarint();
        }
        int chunks = d.UvarintInt("chunk count");
        if (chunks > d.Remaining)
        {
            d.Fail($"chunk count {chunks} exceeds the series section");
        }
        long maxt = 0;
        ulong chunkRef = 0;
        for (int i = 0; i < chunks; i++)
        {
            long mint = i == 0 ? BaseTime + (long)d.Uvarint() : maxt + 1 + (long)d.Uvarint();
            maxt = mint + (long)d.Uvarint();
            chunkRef = i == 0 ? d.Uvarint() : chunkRef + d.Uvarint();
            into.Add(new ChunkRefMeta(mint, maxt, chunkRef));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
