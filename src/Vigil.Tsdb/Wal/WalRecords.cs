using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// Encodes the records the head logs (Prometheus <c>tsdb/record</c>): <see cref="WalRecordType.Series"/> and
/// <see cref="WalRecordType.Samples"/>. Decode them with a <see cref="WalRecordDecoder"/>.
/// </summary>
/// <remarks>
/// <para>Thread-safe (stateless). Formats, after the type byte:</para>
/// <para>Series: uvarint series count, then per series: uvarint ref, uvarint label count, then per label uvarint byte
/// length and UTF-8 bytes of name, then of value (labels in the set's order, i.e. sorted by name).</para>
/// <para>Samples: uvarint sample count, then per sample: zig-zag varint of the ref minus the previous sample's ref,
/// zig-zag varint of the timestamp minus the previous sample's timestamp (both "previous" start at 0), then the value's
/// IEEE-754 bits as 8 bytes little-endian, so every NaN payload survives. A scrape's samples (increasing refs, one
/// timestamp) take 10 to 11 bytes each.</para>
/// </remarks>
public static class WalRecords
{
    private const int MaxSampleSize = Varint.MaxLength + Varint.MaxLength + sizeof(ulong);

    /// <summary>The type of <paramref name="record"/> from its first byte; <see cref="WalRecordType.Unknown"/> when empty.</summary>
    /// <remarks>A byte this version does not define is returned as is, so callers can skip record types they do not know.</remarks>
    public static WalRecordType GetRecordType(ReadOnlySpan<byte> record)
        => record.IsEmpty ? WalRecordType.Unknown : (WalRecordType)record[0];

    /// <summary>Appends one <see cref="WalRecordType.Series"/> record holding <paramref name="series"/> to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">A label name or value is not valid UTF-16 (a lone surrogate), so it has no UTF-8 form.</exception>
    public static void EncodeSeries(ReadOnlySpan<WalSeries> series, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var head = output.GetSpan(1 + Varint.MaxLength);
        head[0] = (byte)WalRecordType.Series;
        output.Advance(Varint.WriteUnsigned(head, 1, (ulong)series.Length));
        foreach (ref readonly var s in series)
        {
            var labels = (s.Labels ?? throw new ArgumentException($"series {s.Ref} has no label set", nameof(series))).AsSpan();
            long bound = 2L * Varint.MaxLength;
            foreach (ref readonly var l in labels)
            {
                // Note: a UTF-16 char becomes at most 3 UTF-8 bytes; a length prefix of an int takes at most 5 bytes.
                bound += 10 + 3L * (l.Name.Length + l.Value.Length);
            }
            if (bound > Array.MaxLength)
            {
                throw new ArgumentException($"series {s.Ref} has labels too large to encode ({bound} bytes)", nameof(series));
            }
            var span = output.GetSpan((int)bound);
            int pos = Varint.WriteUnsigned(span, 0, s.Ref);
            pos = Varint.WriteUnsigned(span, pos, (ulong)labels.Length);
            foreach (ref readonly var l in labels)
            {
                pos = WriteString(span, pos, l.Name, s.Ref);
                pos = WriteString(span, pos, l.Value, s.Ref);
            }
            output.Advance(pos);
        }
    }

    /// <summary>Appends one <see cref="WalRecordType.Samples"/> record holding <paramref name="samples"/> to <paramref name="output"/>.</summary>
    public static void EncodeSamples(ReadOnlySpan<WalSample> samples, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        long bound = 1L + Varint.MaxLength + (long)samples.Length * MaxSampleSize;
        if (bound > Array.MaxLength)
        {
            throw new ArgumentException($"{samples.Length} samples are too many for one record", nameof(samples));
        }
        var span = output.GetSpan((int)bound);
        span[0] = (byte)WalRecordType.Samples;
        int pos = Varint.WriteUnsigned(span, 1, (ulong)samples.Length);
        ulong prevRef = 0;
        long prevT = 0;
        foreach (ref readonly var s in samples)
        {
            pos = Varint.WriteSigned(span, pos, unchecked((long)(s.Ref - prevRef)));
            pos = Varint.WriteSigned(span, pos, unchecked(s.T - prevT));
            BinaryPrimitives.WriteUInt64LittleEndian(span[pos..], BitConverter.DoubleToUInt64Bits(s.V));
            pos += sizeof(ulong);
            prevRef = s.Ref;
            prevT = s.T;
        }
        output.Advance(pos);
    }

    private static int WriteString(Span<byte> span, int pos, string value, ulong seriesRef)
    {
        // Note: encode optimistically behind a one-byte length prefix, and move the bytes in the rare case the
        // length needs more; this saves a separate pass to count the UTF-8 bytes.
        var status = Utf8.FromUtf16(value, span[(pos + 1)..], out _, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            throw new ArgumentException($"series {seriesRef}: label text \"{value}\" is not valid UTF-16 (lone surrogate), so it cannot be stored as UTF-8");
        }
        int prefix = Varint.UnsignedLength((ulong)written);
        if (prefix > 1)
        {
            span.Slice(pos + 1, written).CopyTo(span[(pos + prefix)..]);
        }
        _ = Varint.WriteUnsigned(span, pos, (ulong)written);
        return pos + prefix + written;
    }

    internal static string Describe(WalRecordType type) => type switch
    {
        WalRecordType.Series => "Series",
        WalRecordType.Samples => "Samples",
        _ => "type 0x" + ((byte)type).ToString("x2", System.Globalization.CultureInfo.InvariantCulture),
    };
}
