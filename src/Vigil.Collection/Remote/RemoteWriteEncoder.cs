using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Collection.Remote;

/// <summary>
/// Writes <c>prometheus.WriteRequest</c> (remote-write 1.0) protobuf messages straight into a reused buffer and
/// compresses them with snappy (block format), the sending counterpart of the receiver's <c>ProtoReader</c>.
/// </summary>
/// <remarks>
/// Not thread-safe: one encoder per shard. Field numbers follow <c>Push/RemoteWrite/Protos/remote_write_v1.proto</c>:
/// WriteRequest.timeseries = 1, metadata = 3; TimeSeries.labels = 1, samples = 2; Label.name = 1, value = 2;
/// Sample.value = 1 (double), timestamp = 2 (int64); MetricMetadata.type = 1, metric_family_name = 2, help = 4, unit = 5.
/// Samples of one series in a batch share one TimeSeries.
/// </remarks>
internal sealed class RemoteWriteEncoder
{
    private const int SampleSize = 1 + 8 + 1 + 10; // tag + double + tag + varint timestamp (at most)

    private readonly Dictionary<RemoteSeries, int> _groups = new(ReferenceEqualityComparer.Instance);
    private readonly List<RemoteSeries> _order = [];
    private int[] _next = [];
    private int[] _heads = [];
    private int[] _tails = [];
    private byte[] _raw = new byte[64 * 1024];
    private byte[] _compressed = new byte[64 * 1024];

    /// <summary>The <c>labels</c> fields (field 1, one per label) of a TimeSeries for <paramref name="labels"/>.</summary>
    public static byte[] EncodeLabels(LabelSet labels)
    {
        int size = 0;
        foreach (var l in labels.AsSpan())
        {
            int inner = StringField(l.Name) + StringField(l.Value);
            size += 1 + VarintLength((ulong)inner) + inner;
        }
        var bytes = new byte[size];
        int pos = 0;
        foreach (var l in labels.AsSpan())
        {
            int inner = StringField(l.Name) + StringField(l.Value);
            bytes[pos++] = (1 << 3) | 2;
            pos = WriteVarint(bytes, pos, (ulong)inner);
            pos = WriteString(bytes, pos, 1, l.Name);
            pos = WriteString(bytes, pos, 2, l.Value);
        }
        return bytes;
    }

    /// <summary>Encodes and compresses a request holding <paramref name="samples"/>; the result is valid until the next call.</summary>
    public ReadOnlyMemory<byte> EncodeSamples(ReadOnlySpan<PendingSample> samples)
    {
        Group(samples);
        long bound = 0;
        foreach (var s in _order)
        {
            bound += 1 + 10 + s.Encoded.Length + (long)Count(_groups[s]) * (2 + 10 + SampleSize);
        }
        EnsureRaw(bound);
        int pos = 0;
        var raw = _raw;
        foreach (var series in _order)
        {
            int group = _groups[series];
            int samplesBytes = 0;
            for (int i = _heads[group]; i >= 0; i = _next[i])
            {
                samplesBytes += 1 + 1 + SampleBody(samples[i].T);
            }
            int tsLength = series.Encoded.Length + samplesBytes;
            raw[pos++] = (1 << 3) | 2;
            pos = WriteVarint(raw, pos, (ulong)tsLength);
            series.Encoded.CopyTo(raw, pos);
            pos += series.Encoded.Length;
            for (int i = _heads[group]; i >= 0; i = _next[i])
            {
                ref readonly var s = ref samples[i];
                raw[pos++] = (2 << 3) | 2;
                raw[pos++] = (byte)SampleBody(s.T);
                raw[pos++] = (1 << 3) | 1;
                BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(pos), BitConverter.DoubleToUInt64Bits(s.V));
                pos += 8;
                raw[pos++] = 2 << 3;
                pos = WriteVarint(raw, pos, unchecked((ulong)s.T));
            }
        }
        return Compress(pos);
    }

    /// <summary>Encodes and compresses a request holding only metadata; the result is valid until the next call.</summary>
    public ReadOnlyMemory<byte> EncodeMetadata(IReadOnlyList<RemoteMetadata> metadata)
    {
        long bound = 0;
        foreach (var m in metadata)
        {
            bound += 32 + 3L * (m.Family.Length + m.Help.Length + m.Unit.Length);
        }
        EnsureRaw(bound);
        int pos = 0;
        foreach (var m in metadata)
        {
            int inner = 2 + StringField(m.Family) + (m.Help.Length > 0 ? StringField(m.Help) : 0) + (m.Unit.Length > 0 ? StringField(m.Unit) : 0);
            _raw[pos++] = (3 << 3) | 2;
            pos = WriteVarint(_raw, pos, (ulong)inner);
            _raw[pos++] = 1 << 3;
            _raw[pos++] = (byte)m.Type;
            pos = WriteString(_raw, pos, 2, m.Family);
            if (m.Help.Length > 0)
            {
                pos = WriteString(_raw, pos, 4, m.Help);
            }
            if (m.Unit.Length > 0)
            {
                pos = WriteString(_raw, pos, 5, m.Unit);
            }
        }
        return Compress(pos);
    }

    private void Group(ReadOnlySpan<PendingSample> samples)
    {
        _groups.Clear();
        _order.Clear();
        if (_next.Length < samples.Length)
        {
            _next = new int[samples.Length];
            _heads = new int[samples.Length];
            _tails = new int[samples.Length];
        }
        for (int i = 0; i < samples.Length; i++)
        {
            var series = samples[i].Series;
            ref int group = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, series, out bool exists);
            _next[i] = -1;
            if (!exists)
            {
                group = _order.Count;
                _order.Add(series);
                _heads[group] = i;
            }
            else
            {
                _next[_tails[group]] = i;
            }
            _tails[group] = i;
        }
    }

    private int Count(int group)
    {
        int n = 0;
        for (int i = _heads[group]; i >= 0; i = _next[i])
        {
            n++;
        }
        return n;
    }

    private ReadOnlyMemory<byte> Compress(int length)
    {
        int max = Snappier.Snappy.GetMaxCompressedLength(length);
        if (_compressed.Length < max)
        {
            _compressed = new byte[Math.Max(max, _compressed.Length * 2)];
        }
        int written = Snappier.Snappy.Compress(_raw.AsSpan(0, length), _compressed);
        return _compressed.AsMemory(0, written);
    }

    private void EnsureRaw(long bound)
    {
        if (bound > Array.MaxLength)
        {
            throw new InvalidOperationException("a remote-write batch is too large to encode");
        }
        if (_raw.Length < bound)
        {
            _raw = new byte[Math.Max((int)bound, _raw.Length * 2)];
        }
    }

    private static int SampleBody(long t) => 1 + 8 + 1 + VarintLength(unchecked((ulong)t));

    private static int StringField(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        return 1 + VarintLength((ulong)n) + n;
    }

    private static int WriteString(byte[] buffer, int pos, int field, string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        buffer[pos++] = (byte)((field << 3) | 2);
        pos = WriteVarint(buffer, pos, (ulong)n);
        return pos + Encoding.UTF8.GetBytes(s, buffer.AsSpan(pos));
    }

    private static int VarintLength(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    private static int WriteVarint(byte[] buffer, int pos, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[pos++] = (byte)value;
        return pos;
    }
}

/// <summary>One metadata entry to send: family name, Prometheus type (remote-write's enum value), help and unit.</summary>
internal readonly record struct RemoteMetadata(string Family, int Type, string Help, string Unit);

/// <summary>A sample waiting in a shard: its series, time (ms), value and its sequence number in the WAL read order.</summary>
internal readonly record struct PendingSample(RemoteSeries Series, long T, double V, long Seq);
