using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Vigil.Core.Labels;
using Vigil.Tsdb.Chunks;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Index;

/// <summary>Writes a block's index file (format in <see cref="IndexFormat"/>) from series added in label order.</summary>
/// <remarks>
/// Streaming: series are spooled to a temporary file as they arrive, with provisional symbol ids, because the symbol
/// table must precede them in the index and is only known at the end. Memory held until <see cref="Finish"/> is the
/// set of distinct strings and, per label pair, the ordinals of its series (4 bytes per label of each series).
/// Not thread-safe.
/// </remarks>
internal sealed class IndexWriter : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _path;
    private readonly long _baseTime;
    private readonly Dictionary<string, int> _symbolIds = new(StringComparer.Ordinal);
    private readonly List<string> _symbols = new();
    private readonly Dictionary<long, List<int>> _postings = new();
    private readonly FileStream _spool;
    private byte[] _scratch = new byte[4096];
    private int _seriesCount;
    private LabelSet? _last;

    /// <summary>Prepares to write <paramref name="path"/>, spooling to <paramref name="spoolPath"/>; chunk times are stored relative to <paramref name="baseTime"/>.</summary>
    public IndexWriter(string path, string spoolPath, long baseTime)
    {
        _path = path;
        _baseTime = baseTime;
        _spool = new FileStream(spoolPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose);
    }

    /// <summary>Number of series added.</summary>
    public int SeriesCount => _seriesCount;

    /// <summary>
    /// Adds a series; series must arrive in strictly increasing <see cref="LabelSet.Compare"/> order, chunks sorted by
    /// time, not overlapping, and not before the base time.
    /// </summary>
    public void AddSeries(LabelSet labels, ReadOnlySpan<ChunkRefMeta> chunks)
    {
        if (_last is not null && LabelSet.Compare(_last, labels) >= 0)
        {
            throw new ArgumentException($"series {labels} is not after {_last} in label order; series must be sorted and unique");
        }
        if (chunks.Length == 0)
        {
            throw new ArgumentException($"series {labels} has no chunks");
        }
        _last = labels;
        int need = 3 * Varint.MaxLength * (1 + labels.Count + chunks.Length);
        if (_scratch.Length < need)
        {
            _scratch = new byte[Math.Max(need, _scratch.Length * 2)];
        }
        var buf = _scratch.AsSpan();
        int n = Varint.WriteUnsigned(buf, (ulong)labels.Count);
        int ordinal = _seriesCount;
        foreach (var l in labels.AsSpan())
        {
            int nameId = SymbolId(l.Name);
            int valueId = SymbolId(l.Value);
            n += Varint.WriteUnsigned(buf[n..], (ulong)nameId);
            n += Varint.WriteUnsigned(buf[n..], (ulong)valueId);
            long key = ((long)nameId << 32) | (uint)valueId;
            if (!_postings.TryGetValue(key, out var list))
            {
                list = new List<int>(4);
                _postings.Add(key, list);
            }
            list.Add(ordinal);
        }
        n += Varint.WriteUnsigned(buf[n..], (ulong)chunks.Length);
        long prevMax = 0;
        for (int i = 0; i < chunks.Length; i++)
        {
            var c = chunks[i];
            if (c.MaxTime < c.MinTime)
            {
                throw new ArgumentException($"series {labels}: chunk {i} ends ({c.MaxTime}) before it starts ({c.MinTime})");
            }
            if (i == 0 && c.MinTime < _baseTime)
            {
                throw new ArgumentException($"series {labels}: chunk starts at {c.MinTime}, before the block's minimum time {_baseTime}");
            }
            if (i > 0 && c.MinTime <= prevMax)
            {
                throw new ArgumentException($"series {labels}: chunk {i} starts at {c.MinTime}, not after the previous chunk's last sample at {prevMax}");
            }
            n += Varint.WriteSigned(buf[n..], c.MinTime);
            n += Varint.WriteUnsigned(buf[n..], (ulong)(c.MaxTime - c.MinTime));
            n += Varint.WriteUnsigned(buf[n..], c.Ref);
            prevMax = c.MaxTime;
        }
        _spool.Write(buf[..n]);
        _seriesCount++;
    }

    private int SymbolId(string s)
    {
        if (!_symbolIds.TryGetValue(s, out int id))
        {
            id = _symbols.Count;
            _symbols.Add(s);
            _symbolIds.Add(s, id);
        }
        return id;
    }

    /// <summary>Writes the index file, fsyncs it and removes the spool file.</summary>
    public void Finish()
    {
        // Final symbol references are positions in ordinal string order, so reference order is string order.
        int symbolCount = _symbols.Count;
        var order = new int[symbolCount];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var symbols = _symbols;
        Array.Sort(order, (a, b) => string.CompareOrdinal(symbols[a], symbols[b]));
        var finalRef = new int[symbolCount];
        for (int i = 0; i < order.Length; i++)
        {
            finalRef[order[i]] = i;
        }

        var sections = new (long Offset, long Length, uint Crc)[IndexFormat.SectionCount];
        using var w = new SectionWriter(_path);
        Span<byte> header = stackalloc byte[IndexFormat.HeaderSize];
        header.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(header, IndexFormat.Magic);
        header[4] = IndexFormat.Version;
        w.WriteBytes(header);

        w.BeginSection();
        w.WriteUvarint((ulong)symbolCount);
        byte[] strBuf = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            foreach (int id in order)
            {
                string s = _symbols[id];
                int max = StrictUtf8.GetMaxByteCount(s.Length);
                if (strBuf.Length < max)
                {
                    ArrayPool<byte>.Shared.Return(strBuf);
                    strBuf = ArrayPool<byte>.Shared.Rent(max);
                }
                int len;
                try
                {
                    len = StrictUtf8.GetBytes(s, strBuf);
                }
                catch (EncoderFallbackException e)
                {
                    throw new ArgumentException($"label string \"{s}\" is not valid Unicode (unpaired surrogate); it cannot be stored as UTF-8", e);
                }
                w.WriteUvarint((ulong)len);
                w.WriteBytes(strBuf.AsSpan(0, len));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(strBuf);
        }
        sections[IndexFormat.Symbols] = w.EndSection();

        var seriesOffsets = new long[_seriesCount];
        w.BeginSection();
        WriteSeries(w, finalRef, seriesOffsets);
        sections[IndexFormat.Series] = w.EndSection();

        // Label pairs in (name, value) string order, which is final-reference order.
        var pairs = new (int Name, int Value, List<int> Ordinals)[_postings.Count];
        int p = 0;
        foreach (var (key, list) in _postings)
        {
            pairs[p++] = (finalRef[(int)(key >> 32)], finalRef[(int)(uint)key], list);
        }
        Array.Sort(pairs, static (a, b) => a.Name != b.Name ? a.Name.CompareTo(b.Name) : a.Value.CompareTo(b.Value));

        w.BeginSection();
        long postingsStart = w.Position;
        w.WriteUvarint((ulong)seriesOffsets.Length);
        long prev = 0;
        foreach (long off in seriesOffsets)
        {
            w.WriteUvarint((ulong)(off - prev));
            prev = off;
        }
        var pairOffsets = new long[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            pairOffsets[i] = w.Position - postingsStart;
            var ordinals = pairs[i].Ordinals;
            w.WriteUvarint((ulong)ordinals.Count);
            prev = 0;
            foreach (int o in ordinals)
            {
                w.WriteUvarint((ulong)(seriesOffsets[o] - prev));
                prev = seriesOffsets[o];
            }
        }
        sections[IndexFormat.PostingsLists] = w.EndSection();

        w.BeginSection();
        int names = 0;
        for (int i = 0; i < pairs.Length; i++)
        {
            if (i == 0 || pairs[i].Name != pairs[i - 1].Name)
            {
                names++;
            }
        }
        w.WriteUvarint((ulong)names);
        for (int i = 0; i < pairs.Length;)
        {
            int j = i;
            while (j < pairs.Length && pairs[j].Name == pairs[i].Name)
            {
                j++;
            }
            w.WriteUvarint((ulong)pairs[i].Name);
            w.WriteUvarint((ulong)(j - i));
            int prevValue = 0;
            long prevOffset = 0;
            for (int k = i; k < j; k++)
            {
                w.WriteUvarint((ulong)(pairs[k].Value - prevValue));
                w.WriteUvarint((ulong)(pairOffsets[k] - prevOffset));
                prevValue = pairs[k].Value;
                prevOffset = pairOffsets[k];
            }
            i = j;
        }
        sections[IndexFormat.PostingsTable] = w.EndSection();

        Span<byte> toc = stackalloc byte[IndexFormat.TocSize];
        for (int i = 0; i < IndexFormat.SectionCount; i++)
        {
            var s = toc[(i * IndexFormat.SectionEntrySize)..];
            BinaryPrimitives.WriteUInt64BigEndian(s, (ulong)sections[i].Offset);
            BinaryPrimitives.WriteUInt64BigEndian(s[8..], (ulong)sections[i].Length);
            BinaryPrimitives.WriteUInt32BigEndian(s[16..], sections[i].Crc);
        }
        int at = IndexFormat.SectionCount * IndexFormat.SectionEntrySize;
        BinaryPrimitives.WriteInt64BigEndian(toc[at..], _baseTime);
        BinaryPrimitives.WriteUInt64BigEndian(toc[(at + 8)..], (ulong)_seriesCount);
        BinaryPrimitives.WriteUInt32BigEndian(toc[(at + 16)..], Crc32C.Compute(toc[..(at + 16)]));
        w.WriteBytes(toc);
        w.Complete();
    }

    private void WriteSeries(SectionWriter w, int[] finalRef, long[] seriesOffsets)
    {
        _spool.Flush();
        _spool.Position = 0;
        var r = new SpoolReader(_spool);
        for (int s = 0; s < _seriesCount; s++)
        {
            seriesOffsets[s] = w.Position;
            int nLabels = (int)r.Uvarint();
            w.WriteUvarint((ulong)nLabels);
            for (int i = 0; i < nLabels; i++)
            {
                w.WriteUvarint((ulong)finalRef[(int)r.Uvarint()]);
                w.WriteUvarint((ulong)finalRef[(int)r.Uvarint()]);
            }
            int nChunks = (int)r.Uvarint();
            w.WriteUvarint((ulong)nChunks);
            long prevMax = 0;
            ulong prevRef = 0;
            for (int i = 0; i < nChunks; i++)
            {
                long mint = Varint.UnZigZag(r.Uvarint());
                ulong span = r.Uvarint();
                ulong chunkRef = r.Uvarint();
                w.WriteUvarint(i == 0 ? (ulong)(mint - _baseTime) : (ulong)(mint - prevMax - 1));
                w.WriteUvarint(span);
                w.WriteUvarint(i == 0 ? chunkRef : chunkRef - prevRef);
                prevMax = mint + (long)span;
                prevRef = chunkRef;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _spool.Dispose();

    /// <summary>Reads varints back from the spool file through a buffer.</summary>
    private sealed class SpoolReader(FileStream fs)
    {
        private readonly byte[] _buf = new byte[1 << 16];
        private int _pos;
        private int _len;

        public ulong Uvarint()
        {
            ulong x = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (_pos == _len)
                {
                    _len = fs.Read(_buf, 0, _buf.Length);
                    _pos = 0;
                    if (_len == 0)
                    {
                        throw new InvalidDataException("index spool file ended early");
                    }
                }
                byte b = _buf[_pos++];
                x |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return x;
                }
            }
        }
    }
}
