using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using Vigil.Core.Labels;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Wal;

/// <summary>
/// Decodes records written by <see cref="WalRecords"/>, interning label strings so that replaying many series with the
/// same names and values allocates each distinct string once.
/// </summary>
/// <remarks>
/// Not thread-safe: use one decoder per replaying thread. The intern table lives as long as the decoder and is cleared
/// when it reaches 262,144 strings, so memory stays bounded for high-cardinality labels. Bad bytes throw an
/// <see cref="InvalidDataException"/> naming the record type and the byte offset within the record; the output list is
/// then left as it was before the call.
/// </remarks>
public sealed class WalRecordDecoder
{
    private const int MaxInterned = 1 << 18;
    private const int MinSampleSize = 1 + 1 + sizeof(ulong);

    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private char[] _chars = new char[256];

    /// <summary>Creates a decoder with an empty intern table.</summary>
    public WalRecordDecoder()
    {
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Appends the series of a <see cref="WalRecordType.Series"/> record to <paramref name="into"/>.</summary>
    /// <exception cref="InvalidDataException">The record is not a well-formed Series record.</exception>
    public void DecodeSeries(ReadOnlySpan<byte> record, List<WalSeries> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        int initial = into.Count;
        try
        {
            DecodeSeriesCore(record, into);
        }
        catch (InvalidDataException)
        {
            into.RemoveRange(initial, into.Count - initial);
            throw;
        }
    }

    /// <summary>Appends the samples of a <see cref="WalRecordType.Samples"/> record to <paramref name="into"/>.</summary>
    /// <exception cref="InvalidDataException">The record is not a well-formed Samples record.</exception>
    [SkipLocalsInit]
    public void DecodeSamples(ReadOnlySpan<byte> record, List<WalSample> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        const WalRecordType type = WalRecordType.Samples;
        CheckType(record, type);
        int pos = 1;
        if (!Varint.TryReadUnsigned(record, ref pos, out ulong count))
        {
            throw Bad(type, 1, "truncated sample count");
        }
        if (count > (ulong)((record.Length - pos) / MinSampleSize))
        {
            throw Bad(type, 1, string.Create(CultureInfo.InvariantCulture,
                $"sample count {count} does not fit in the {record.Length - pos} bytes that follow"));
        }
        int initial = into.Count;
        CollectionsMarshal.SetCount(into, initial + (int)count);
        var dst = CollectionsMarshal.AsSpan(into).Slice(initial);
        ulong reference = 0;
        long t = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            int at = pos;
            if (!Varint.TryReadSigned(record, ref pos, out long dRef) || !Varint.TryReadSigned(record, ref pos, out long dT)
                || record.Length - pos < sizeof(ulong))
            {
                CollectionsMarshal.SetCount(into, initial);
                throw Bad(type, at, string.Create(CultureInfo.InvariantCulture, $"sample {i} of {count} is truncated"));
            }
            reference = unchecked(reference + (ulong)dRef);
            t = unchecked(t + dT);
            ulong bits = BinaryPrimitives.ReadUInt64LittleEndian(record[pos..]);
            pos += sizeof(ulong);
            dst[i] = new WalSample(reference, t, BitConverter.UInt64BitsToDouble(bits));
        }
        if (pos != record.Length)
        {
            CollectionsMarshal.SetCount(into, initial);
            throw Bad(type, pos, string.Create(CultureInfo.InvariantCulture, $"{record.Length - pos} unexpected bytes after the last sample"));
        }
    }

    private void DecodeSeriesCore(ReadOnlySpan<byte> record, List<WalSeries> into)
    {
        const WalRecordType type = WalRecordType.Series;
        CheckType(record, type);
        int pos = 1;
        if (!Varint.TryReadUnsigned(record, ref pos, out ulong count))
        {
            throw Bad(type, 1, "truncated series count");
        }
        if (count > (ulong)((record.Length - pos) / 2))
        {
            throw Bad(type, 1, string.Create(CultureInfo.InvariantCulture,
                $"series count {count} does not fit in the {record.Length - pos} bytes that follow"));
        }
        into.EnsureCapacity(into.Count + (int)count);
        for (ulong i = 0; i < count; i++)
        {
            int at = pos;
            if (!Varint.TryReadUnsigned(record, ref pos, out ulong reference))
            {
                throw Bad(type, at, string.Create(CultureInfo.InvariantCulture, $"series {i}: truncated ref"));
            }
            at = pos;
            if (!Varint.TryReadUnsigned(record, ref pos, out ulong labelCount) || labelCount > (ulong)((record.Length - pos) / 4))
            {
                throw Bad(type, at, string.Create(CultureInfo.InvariantCulture, $"series {i} (ref {reference}): bad label count"));
            }
            if (labelCount == 0)
            {
                into.Add(new WalSeries(reference, LabelSet.Empty));
                continue;
            }
            var labels = new Label[labelCount];
            for (int j = 0; j < labels.Length; j++)
            {
                at = pos;
                string name = ReadString(record, ref pos, reference, "label name");
                string value = ReadString(record, ref pos, reference, "label value");
                if (name.Length == 0 || value.Length == 0)
                {
                    throw Bad(type, at, string.Create(CultureInfo.InvariantCulture,
                        $"series ref {reference}: empty label {(name.Length == 0 ? "name" : "value")}"));
                }
                if (j > 0 && string.CompareOrdinal(labels[j - 1].Name, name) >= 0)
                {
                    throw Bad(type, at, string.Create(CultureInfo.InvariantCulture,
                        $"series ref {reference}: label \"{name}\" is out of order or duplicated"));
                }
                labels[j] = new Label(name, value);
            }
            into.Add(new WalSeries(reference, LabelSet.FromSortedUnsafe(labels)));
        }
        if (pos != record.Length)
        {
            throw Bad(type, pos, string.Create(CultureInfo.InvariantCulture, $"{record.Length - pos} unexpected bytes after the last series"));
        }
    }

    private string ReadString(ReadOnlySpan<byte> record, ref int pos, ulong reference, string what)
    {
        int at = pos;
        if (!Varint.TryReadUnsigned(record, ref pos, out ulong length) || length > (ulong)(record.Length - pos))
        {
            throw Bad(WalRecordType.Series, at, string.Create(CultureInfo.InvariantCulture,
                $"series ref {reference}: {what} length runs past the end of the record"));
        }
        var bytes = record.Slice(pos, (int)length);
        pos += (int)length;
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }
        if (_chars.Length < bytes.Length)
        {
            _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        }
        if (Utf8.ToUtf16(bytes, _chars, out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw Bad(WalRecordType.Series, at, string.Create(CultureInfo.InvariantCulture,
                $"series ref {reference}: {what} is not valid UTF-8"));
        }
        var chars = new ReadOnlySpan<char>(_chars, 0, written);
        if (_lookup.TryGetValue(chars, out string? interned))
        {
            return interned;
        }
        if (_strings.Count >= MaxInterned)
        {
            _strings.Clear();
        }
        string s = new(chars);
        _strings.Add(s, s);
        return s;
    }

    private static void CheckType(ReadOnlySpan<byte> record, WalRecordType expected)
    {
        if (record.IsEmpty)
        {
            throw Bad(expected, 0, "empty record");
        }
        if (record[0] != (byte)expected)
        {
            throw Bad(expected, 0, $"the record is a {WalRecords.Describe((WalRecordType)record[0])} record");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static InvalidDataException Bad(WalRecordType type, int offset, string problem)
        => new(string.Create(CultureInfo.InvariantCulture, $"WAL {WalRecords.Describe(type)} record: {problem} (at byte {offset} of the record)"));
}
