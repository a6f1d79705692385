// Note: over 600 lines on purpose: one request is one all-or-nothing append batch, and the 1.0 and 2.0 decoders share that batch's label validation, sorting and buffers.
using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Vigil.Collection.Scrape;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Push.RemoteWrite;

/// <summary>
/// Stores the samples of one decompressed Prometheus remote-write request (1.0 <c>prometheus.WriteRequest</c> or 2.0
/// <c>io.prometheus.write.v2.Request</c>) all-or-nothing, and records the metadata it carries in <see cref="PushedMetadata"/>.
/// </summary>
/// <remarks>
/// <para>A request is one append batch: every series is validated (UTF-8, a metric name, unique label names; labels a
/// sender did not sort are sorted) and every sample appended; the first problem — a malformed message, invalid labels,
/// a sample the storage refuses (out of order, too old, too far in the future) — rolls the whole batch back and is
/// returned as <see cref="RemoteWriteResult.Error"/>. Prometheus's 1.0 receiver behaves the same way; for 2.0 it may
/// write part of a request, Vigil does not (the response headers then report zero written). Samples of one series that
/// a request holds out of time order are put in order before they are refused for it.</para>
/// <para>Native histograms and exemplars are counted and dropped: Vigil's storage holds neither yet, and refusing them
/// would make a sender drop the float samples sent alongside. 2.0 senders see it in
/// <c>X-Prometheus-Remote-Write-Histograms-Written: 0</c>. Created (start) timestamps are ignored, as Prometheus does
/// without its <c>created-timestamp-zero-ingestion</c> feature.</para>
/// <para>Thread-safe: requests may be written concurrently.</para>
/// </remarks>
internal sealed class RemoteWriteReceiver(IAppendable storage, PushedMetadata metadata, PushSeriesCache cache, RemoteWriteInstruments? instruments = null)
{
    /// <summary>Decodes and stores <paramref name="message"/>; throws <see cref="StorageException"/> when the commit fails.</summary>
    public RemoteWriteResult Write(ReadOnlySpan<byte> message, RemoteWriteProtocol protocol)
    {
        var result = Write(message, protocol, sorted: false, out var batch);
        if (result.Refusal == AppendError.OutOfOrder)
        {
            // Note: some senders put a series' samples out of time order within one request (vmagent merges the
            // buffers of its workers into one block). Sorting every request would cost every sender; a request
            // refused for order is read once more with each series' samples sorted, and refused only if that fails too.
            result = Write(message, protocol, sorted: true, out batch);
        }
        if (result.Error is not null)
        {
            instruments?.Rejected(result.Refusal);
            return result;
        }
        foreach (var md in batch.Metadata.Values)
        {
            metadata.Set(md);
        }
        instruments?.Written(result.Samples, result.HistogramsDropped, result.ExemplarsDropped);
        return result;
    }

    private RemoteWriteResult Write(ReadOnlySpan<byte> message, RemoteWriteProtocol protocol, bool sorted, out Batch batch)
    {
        batch = new Batch(storage.Appender(), cache, sorted);
        try
        {
            try
            {
                if (protocol == RemoteWriteProtocol.V1)
                {
                    batch.ReadV1(message);
                }
                else
                {
                    batch.ReadV2(message);
                }
                batch.AppendSorted();
            }
            catch (RemoteWriteFormatException e)
            {
                batch.Fail($"invalid {protocol.MessageName()} message: {e.Message}", AppendError.None);
            }
            if (batch.Error is not null)
            {
                batch.Appender.Rollback();
                return new RemoteWriteResult(0, batch.Histograms, batch.Exemplars, batch.Error, batch.Refusal);
            }
            batch.Appender.Commit();
            return new RemoteWriteResult(batch.Samples, batch.Histograms, batch.Exemplars, null, AppendError.None);
        }
        finally
        {
            batch.Dispose();
        }
    }

    /// <summary>The state of one request: the appender, counts, and scratch space reused from series to series.</summary>
    private sealed class Batch(IAppender appender, PushSeriesCache cache, bool sorted) : IDisposable
    {
        private readonly List<(int Series, long T, double V)>? _held = sorted ? [] : null;
        private readonly List<PushSeriesCache.Entry> _heldSeries = [];
        private readonly Dictionary<PushSeriesCache.Entry, int> _heldIndex = [];
        private readonly List<LabelRange> _labels = new(16);
        private readonly List<(int Offset, int Length)> _symbols = [];
        private readonly List<(int Offset, int Length)> _series = [];
        private readonly List<uint> _refs = new(32);
        private byte[] _key = ArrayPool<byte>.Shared.Rent(512);
        private int _keyLength;

        public IAppender Appender { get; } = appender;

        public long Samples { get; private set; }

        public long Histograms { get; private set; }

        public long Exemplars { get; private set; }

        public string? Error { get; private set; }

        public AppendError Refusal { get; private set; }

        public Dictionary<string, MetricMetadata> Metadata { get; } = new(StringComparer.Ordinal);

        public void Fail(string error, AppendError refusal)
        {
            Error ??= error;
            Refusal = refusal;
        }

        // ---- 1.0: WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }

        public void ReadV1(ReadOnlySpan<byte> message)
        {
            var r = new ProtoReader(message);
            while (Error is null && r.TryReadTag(out int field, out int wireType))
            {
                switch (field)
                {
                    case 1:
                        SeriesV1(r.ReadBytes(field, wireType));
                        break;
                    case 3:
                        MetadataV1(r.ReadBytes(field, wireType));
                        break;
                    default:
                        r.Skip(wireType);
                        break;
                }
            }
        }

        // TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
        private void SeriesV1(ReadOnlySpan<byte> ts)
        {
            _labels.Clear();
            _keyLength = 0;
            int samples = 0;
            var r = new ProtoReader(ts);
            while (r.TryReadTag(out int field, out int wireType))
            {
                switch (field)
                {
                    case 1:
                        var (offset, length) = r.ReadBytesRange(field, wireType);
                        LabelV1(ts, offset, length);
                        break;
                    case 2:
                        r.ReadBytesRange(field, wireType);
                        samples++;
                        break;
                    case 3:
                        r.ReadBytesRange(field, wireType);
                        Exemplars++;
                        break;
                    case 4:
                        r.ReadBytesRange(field, wireType);
                        Histograms++;
                        break;
                    default:
                        r.Skip(wireType);
                        break;
                }
            }
            if (samples > 0 && Resolve(ts) is { } entry)
            {
                AppendSamples(ts, entry);
            }
        }

        // Label { string name = 1; string value = 2; }
        private void LabelV1(ReadOnlySpan<byte> ts, int offset, int length)
        {
            var r = new ProtoReader(ts.Slice(offset, length));
            (int Offset, int Length) name = (offset, 0), value = (offset, 0);
            while (r.TryReadTag(out int field, out int wireType))
            {
                switch (field)
                {
                    case 1:
                        name = r.ReadBytesRange(field, wireType);
                        name.Offset += offset;
                        break;
                    case 2:
                        value = r.ReadBytesRange(field, wireType);
                        value.Offset += offset;
                        break;
                    default:
                        r.Skip(wireType);
                        break;
                }
            }
            AddLabel(ts, new LabelRange(name.Offset, name.Length, value.Offset, value.Length));
        }

        // MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
        private void MetadataV1(ReadOnlySpan<byte> m)
        {
            ulong type = 0;
            ReadOnlySpan<byte> name = default, help = default, unit = default;
            var r = new ProtoReader(m);
            while (r.TryReadTag(out int field, out int wireType))
            {
                switch (field)
                {
                    case 1:
                        type = r.ReadVarint(field, wireType);
                        break;
                    case 2:
                        name = r.ReadBytes(field, wireType);
                        break;
                    case 4:
                        help = r.ReadBytes(field, wireType);
                        break;
                    case 5:
                        unit = r.ReadBytes(field, wireType);
                        break;
                    default:
                        r.Skip(wireType);
                        break;
                }
            }
            AddMetadata(name, type, help, unit);
        }

        // ---- 2.0: Request { repeated string symbols = 4; repeated TimeSeries timeseries = 5; }

        public void ReadV2(ReadOnlySpan<byte> message)
        {
            // Note: the symbol table may follow the series on the wire, so it is collected first.
            var r = new ProtoReader(message);
            while (r.TryReadTag(out int field, out int wireType))
            {
                switch (field)
                {
                    case 4:
                        _symbols.Add(r.ReadBytesRange(field, wireType));
                        break;
                    case 5:
                        _series.Add(r.ReadBytesRange(field, wireType));
                        break;
                    default:
                        r.Skip(wireType);
                        break;
                }
            }
            foreach (var (offset, length) in _series)
            {
                SeriesV2(message, offset, length);
                if (Error is not null)
                {
                    return;
                }
            }
        }

        // TimeSeries { repeated uint32 labels_refs = 1; repeated Sample samples = 2; repeated Histogram histograms = 3;
        //              repeated Exemplar exemplars = 4; Metadata metadata = 5; int64 created_timestamp = 6; }
        private void SeriesV2(ReadOnlySpan<byte> message, int offset, int length)
        {
            var ts = message.Slice(offset, length);
            _labels.Clear();
            _refs.Clear();
            _keyLength = 0;
            int samples = 0;
            ulong type = 0, helpRef = 0, unitRef = 0;
            bool hasMetadata = false;
            var r = new ProtoReader(ts);
            while (r.TryReadTag(out int field, out int wireType))
            {
                switch (field)
                {
                    case 1 when wireType == ProtoReader.LengthDelimited:
                        var packed = new ProtoReader(r.ReadBytes());
                        while (packed.HasMore)
                        {
                            _refs.Add(ToRef(packed.ReadVarint()));
                        }
                        break;
                    case 1:
                        _refs.Add(ToRef(r.ReadVarint(field, wireType)));
                        break;
                    case 2:
                        r.ReadBytesRange(field, wireType);
                        samples++;
                        break;
                    case 3:
                        r.ReadBytesRange(field, wireType);
                        Histograms++;
                        break;
                    case 4:
                        r.ReadBytesRange(field, wireType);
                        Exemplars++;
                        break;
                    case 5:
                        hasMetadata = true;
                        var md = new ProtoReader(r.ReadBytes(field, wireType));
                        while (md.TryReadTag(out int mdField, out int mdWireType))
                        {
                            switch (mdField)
                            {
                                case 1:
                                    type = md.ReadVarint(mdField, mdWireType);
                                    break;
                                case 3:
                                    helpRef = md.ReadVarint(mdField, mdWireType);
                                    break;
                                case 4:
                                    unitRef = md.ReadVarint(mdField, mdWireType);
                                    break;
                                default:
                                    md.Skip(mdWireType);
                                    break;
                            }
                        }
                        break;
                    default:
                        // Includes created_timestamp (6): ignored, as Prometheus does without created-timestamp ingestion.
                        r.Skip(wireType);
                        break;
                }
            }
            if (samples == 0 && !hasMetadata)
            {
                return;
            }
            if (_refs.Count % 2 != 0)
            {
                Fail($"invalid {RemoteWriteProtocol.V2.MessageName()} message: a series has an odd number of labels_refs ({_refs.Count})", AppendError.None);
                return;
            }
            for (int i = 0; i < _refs.Count; i += 2)
            {
                var name = Symbol(_refs[i]);
                var value = Symbol(_refs[i + 1]);
                AddLabel(message, new LabelRange(name.Offset, name.Length, value.Offset, value.Length));
            }
            if (Resolve(message) is not { } entry)
            {
                return;
            }
            if (samples > 0)
            {
                AppendSamples(ts, entry);
            }
            if (Error is null && (type != 0 || helpRef != 0 || unitRef != 0))
            {
                var help = Symbol(ToRef(helpRef));
                var unit = Symbol(ToRef(unitRef));
                string family = FamilyName(entry.Labels.Name, type);
                AddMetadata(Encoding.UTF8.GetBytes(family), type, message.Slice(help.Offset, help.Length), message.Slice(unit.Offset, unit.Length));
            }
        }

        private static uint ToRef(ulong v) => v <= uint.MaxValue ? (uint)v : throw new RemoteWriteFormatException($"symbol reference {v} out of range");

        private (int Offset, int Length) Symbol(uint index)
        {
            if (index >= (uint)_symbols.Count)
            {
                throw new RemoteWriteFormatException($"symbol reference {index} out of range ({_symbols.Count} symbols)");
            }
            return _symbols[(int)index];
        }

        /// <summary>
        /// The metric family a 2.0 series' metadata describes: its name, without the <c>_bucket</c>, <c>_sum</c> and
        /// <c>_count</c> of a classic histogram or summary, so it lists under the same name as scraped metadata.
        /// </summary>
        private static string FamilyName(string seriesName, ulong type)
        {
            if (type is 3 or 4 or 5)
            {
                foreach (string suffix in (ReadOnlySpan<string>)["_bucket", "_sum", "_count"])
                {
                    if (seriesName.EndsWith(suffix, StringComparison.Ordinal) && seriesName.Length > suffix.Length)
                    {
                        return seriesName[..^suffix.Length];
                    }
                }
            }
            return seriesName;
        }

        // ---- shared

        private void AddLabel(ReadOnlySpan<byte> source, LabelRange label)
        {
            _labels.Add(label);
            // Note: the cache key is the label bytes, each length-prefixed, in the order the sender used.
            int need = _keyLength + label.NameLength + label.ValueLength + 20;
            if (need > _key.Length)
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _key.Length * 2));
                _key.AsSpan(0, _keyLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_key);
                _key = bigger;
            }
            WriteLengthPrefixed(source.Slice(label.NameOffset, label.NameLength));
            WriteLengthPrefixed(source.Slice(label.ValueOffset, label.ValueLength));
        }

        private void WriteLengthPrefixed(ReadOnlySpan<byte> bytes)
        {
            uint n = (uint)bytes.Length;
            while (n >= 0x80)
            {
                _key[_keyLength++] = (byte)(n | 0x80);
                n >>= 7;
            }
            _key[_keyLength++] = (byte)n;
            bytes.CopyTo(_key.AsSpan(_keyLength));
            _keyLength += bytes.Length;
        }

        /// <summary>The cached series for the labels gathered in <see cref="_labels"/>, or null after <see cref="Fail"/>.</summary>
        private PushSeriesCache.Entry? Resolve(ReadOnlySpan<byte> source)
        {
            var key = _key.AsSpan(0, _keyLength);
            if (cache.Get(key) is { } known)
            {
                return known;
            }
            var labels = new Label[_labels.Count];
            int n = 0;
            foreach (var l in _labels)
            {
                var name = source.Slice(l.NameOffset, l.NameLength);
                var value = source.Slice(l.ValueOffset, l.ValueLength);
                if (!Utf8.IsValid(name) || !Utf8.IsValid(value))
                {
                    Fail($"a label of series {Describe(source)} is not valid UTF-8", AppendError.InvalidLabels);
                    return null;
                }
                if (value.Length != 0)
                {
                    labels[n++] = new Label(Encoding.UTF8.GetString(name), Encoding.UTF8.GetString(value));
                }
            }
            Array.Resize(ref labels, n);
            bool sorted = true;
            for (int i = 1; i < n && sorted; i++)
            {
                sorted = string.CompareOrdinal(labels[i - 1].Name, labels[i].Name) < 0;
            }
            if (!sorted)
            {
                // Note: the specification asks senders to sort; some (older vmagent releases) append their own labels last.
                Array.Sort(labels, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                for (int i = 1; i < n; i++)
                {
                    if (labels[i - 1].Name == labels[i].Name)
                    {
                        Fail($"duplicate label name \"{labels[i].Name}\" in series {Describe(source)}", AppendError.InvalidLabels);
                        return null;
                    }
                }
            }
            var set = LabelSet.FromSortedUnsafe(labels);
            if (LabelValidation.Validate(set) is { } problem)
            {
                Fail($"{problem} in series {set}", AppendError.InvalidLabels);
                return null;
            }
            return cache.Add(key, set);
        }

        private string Describe(ReadOnlySpan<byte> source)
        {
            var sb = new StringBuilder("{");
            foreach (var l in _labels)
            {
                if (sb.Length > 1)
                {
                    sb.Append(", ");
                }
                sb.Append(Encoding.UTF8.GetString(source.Slice(l.NameOffset, l.NameLength))).Append('=');
                LabelSet.AppendQuoted(sb, Encoding.UTF8.GetString(source.Slice(l.ValueOffset, l.ValueLength)));
            }
            return sb.Append('}').ToString();
        }

        // Sample { double value = 1; int64 timestamp = 2; int64 start_timestamp = 3 (2.0 only, ignored); }
        private void AppendSamples(ReadOnlySpan<byte> ts, PushSeriesCache.Entry entry)
        {
            var seriesRef = entry.Ref;
            int held = -1;
            if (_held is not null && !_heldIndex.TryGetValue(entry, out held))
            {
                held = _heldSeries.Count;
                _heldSeries.Add(entry);
                _heldIndex.Add(entry, held);
            }
            var r = new ProtoReader(ts);
            while (r.TryReadTag(out int field, out int wireType))
            {
                if (field != 2)
                {
                    r.Skip(wireType);
                    continue;
                }
                double v = 0;
                long t = 0;
                var s = new ProtoReader(r.ReadBytes());
                while (s.TryReadTag(out int sField, out int sWireType))
                {
                    switch (sField)
                    {
                        case 1:
                            v = s.ReadDouble(sField, sWireType);
                            break;
                        case 2:
                            t = (long)s.ReadVarint(sField, sWireType);
                            break;
                        default:
                            s.Skip(sWireType);
                            break;
                    }
                }
                if (_held is not null)
                {
                    _held.Add((held, t, v));
                    continue;
                }
                if (!Appender.TryAppend(ref seriesRef, entry.Labels, t, v, out var refused))
                {
                    Fail(StorageException.ForAppend(refused, entry.Labels, t).Message, refused);
                    return;
                }
                Samples++;
            }
            entry.Ref = seriesRef;
        }

        /// <summary>In sorted mode, appends the held samples series by series in time order (equal times keep their order).</summary>
        public void AppendSorted()
        {
            if (_held is null || Error is not null)
            {
                return;
            }
            var order = new int[_held.Count];
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }
            var held = _held;
            Array.Sort(order, (a, b) =>
            {
                int c = held[a].Series.CompareTo(held[b].Series);
                if (c == 0)
                {
                    c = held[a].T.CompareTo(held[b].T);
                }
                return c != 0 ? c : a.CompareTo(b);
            });
            var seriesRef = SeriesRef.None;
            int current = -1;
            foreach (int i in order)
            {
                var (series, t, v) = held[i];
                var entry = _heldSeries[series];
                if (series != current)
                {
                    current = series;
                    seriesRef = entry.Ref;
                }
                if (!Appender.TryAppend(ref seriesRef, entry.Labels, t, v, out var refused))
                {
                    Fail(StorageException.ForAppend(refused, entry.Labels, t).Message, refused);
                    return;
                }
                entry.Ref = seriesRef;
                Samples++;
            }
        }

        private void AddMetadata(ReadOnlySpan<byte> name, ulong type, ReadOnlySpan<byte> help, ReadOnlySpan<byte> unit)
        {
            if (name.Length == 0)
            {
                return;
            }
            if (!Utf8.IsValid(name) || !Utf8.IsValid(help) || !Utf8.IsValid(unit))
            {
                Fail("metric metadata is not valid UTF-8", AppendError.None);
                return;
            }
            // Note: the wire's type numbers are those of MetricType (unknown, counter, gauge, histogram, gaugehistogram,
            // summary, info, stateset); a number from a newer specification reads as unknown.
            var metricType = type <= (ulong)MetricType.StateSet ? (MetricType)type : MetricType.Unknown;
            string metric = Encoding.UTF8.GetString(name);
            Metadata[metric] = new MetricMetadata(metric, metricType, Encoding.UTF8.GetString(help), Encoding.UTF8.GetString(unit));
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_key);
            _key = [];
        }
    }

    private readonly record struct LabelRange(int NameOffset, int NameLength, int ValueOffset, int ValueLength);
}
