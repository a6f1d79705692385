using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb.Tests.Wal;

public sealed class WalRecordsTests
{
    [Fact]
    public void EncodeSeries_Utf8AndLongLabels_RoundTrips()
    {
        var series = new[]
        {
            new WalSeries(1, LabelSet.Of("__name__", "http_requests_total", "job", "api", "path", "/v1/query")),
            new WalSeries(42, LabelSet.Of("__name__", "température", "ville", "Zürich", "город", "Москва", "emoji", "🚀🔥", "漢字", "値")),
            new WalSeries(ulong.MaxValue, LabelSet.Empty),
            new WalSeries(7, LabelSet.Of("long", new string('é', 300), "a", new string('x', 5000))),
        };
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSeries(series, buffer);

        Assert.Equal(WalRecordType.Series, WalRecords.GetRecordType(buffer.WrittenSpan));
        var decoded = new List<WalSeries>();
        new WalRecordDecoder().DecodeSeries(buffer.WrittenSpan, decoded);
        Assert.Equal(series.Length, decoded.Count);
        for (int i = 0; i < series.Length; i++)
        {
            Assert.Equal(series[i].Ref, decoded[i].Ref);
            Assert.Equal(series[i].Labels, decoded[i].Labels);
            Assert.Equal(series[i].Labels.ToString(), decoded[i].Labels.ToString());
        }
    }

    [Fact]
    public void EncodeSamples_SpecialFloats_RoundTripBitExact()
    {
        double[] values =
        [
            double.PositiveInfinity, double.NegativeInfinity, BitConverter.UInt64BitsToDouble(StaleMarker.NormalNaNBits),
            StaleMarker.StaleNaN, double.NaN, -0.0, 0.0, double.Epsilon, double.MaxValue, double.MinValue, 1.5, -123456.789,
        ];
        var samples = new List<WalSample>();
        for (int i = 0; i < values.Length; i++)
        {
            samples.Add(new WalSample((ulong)(values.Length - i), 1_700_000_000_000 + (i * 15_000), values[i]));
        }
        samples.Add(new WalSample(0, long.MinValue, 1));
        samples.Add(new WalSample(ulong.MaxValue, long.MaxValue, 2));
        samples.Add(new WalSample(3, -5, 3));

        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSamples(samples.ToArray(), buffer);
        var decoded = new List<WalSample>();
        new WalRecordDecoder().DecodeSamples(buffer.WrittenSpan, decoded);

        Assert.Equal(samples.Count, decoded.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            Assert.Equal(samples[i].Ref, decoded[i].Ref);
            Assert.Equal(samples[i].T, decoded[i].T);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(samples[i].V), BitConverter.DoubleToUInt64Bits(decoded[i].V));
        }
        Assert.True(StaleMarker.IsStaleNaN(decoded[3].V));
        Assert.False(StaleMarker.IsStaleNaN(decoded[2].V));
        Assert.False(StaleMarker.IsStaleNaN(decoded[4].V));
        Assert.True(double.IsNegative(decoded[5].V) && decoded[5].V == 0);
    }

    [Fact]
    public void EncodeSamples_OneScrape_TakesAtMostElevenBytesPerSample()
    {
        var samples = new WalSample[1000];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = new WalSample((ulong)(5000 + i), 1_700_000_000_000, i * 0.5);
        }
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSamples(samples, buffer);

        Assert.InRange(buffer.WrittenCount, 10 * samples.Length, (11 * samples.Length) + 16);
    }

    [Fact]
    public void Decode_AppendsToExistingItems()
    {
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSamples([new WalSample(9, 10, 11)], buffer);
        var into = new List<WalSample> { new(1, 2, 3) };

        new WalRecordDecoder().DecodeSamples(buffer.WrittenSpan, into);

        Assert.Equal([new WalSample(1, 2, 3), new WalSample(9, 10, 11)], into);
    }

    [Fact]
    public void DecodeSeries_RepeatedStrings_AreInterned()
    {
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSeries([new WalSeries(1, LabelSet.Of("__name__", "up", "job", "node"))], buffer);
        var first = buffer.WrittenSpan.ToArray();
        buffer.Reset();
        WalRecords.EncodeSeries([new WalSeries(2, LabelSet.Of("__name__", "up", "job", "node", "instance", "a:1"))], buffer);
        var decoder = new WalRecordDecoder();
        var decoded = new List<WalSeries>();

        decoder.DecodeSeries(first, decoded);
        decoder.DecodeSeries(buffer.WrittenSpan, decoded);

        Assert.Same(decoded[0].Labels.Get("job"), decoded[1].Labels.Get("job"));
        Assert.Same(decoded[0].Labels.Name, decoded[1].Labels.Name);
    }

    [Fact]
    public void EncodeSeries_LoneSurrogate_ThrowsNamingSeries()
    {
        using var buffer = new PooledBufferWriter();
        var bad = new WalSeries(77, LabelSet.Of("job", "bad\ud800value"));

        var ex = Assert.Throws<ArgumentException>(() => WalRecords.EncodeSeries([bad], buffer));

        Assert.Contains("series 77", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeSamples_TruncatedRecord_ThrowsWithTypeAndOffsetAndLeavesListUnchanged()
    {
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSamples([new WalSample(1, 1_700_000_000_000, 1), new WalSample(2, 1_700_000_015_000, 2)], buffer);
        var truncated = buffer.WrittenSpan[..^3].ToArray();
        var into = new List<WalSample> { new(5, 5, 5) };

        var ex = Assert.Throws<InvalidDataException>(() => new WalRecordDecoder().DecodeSamples(truncated, into));

        Assert.Contains("WAL Samples record", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sample 1 of 2 is truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at byte", ex.Message, StringComparison.Ordinal);
        Assert.Equal([new WalSample(5, 5, 5)], into);
    }

    [Fact]
    public void DecodeSamples_TrailingBytes_Throws()
    {
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSamples([new WalSample(1, 100, 1)], buffer);
        byte[] record = [.. buffer.WrittenSpan, 0x00];

        var ex = Assert.Throws<InvalidDataException>(() => new WalRecordDecoder().DecodeSamples(record, []));

        Assert.Contains("1 unexpected bytes after the last sample", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeSeries_WrongType_ThrowsNamingBothTypes()
    {
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSamples([new WalSample(1, 100, 1)], buffer);

        var ex = Assert.Throws<InvalidDataException>(() => new WalRecordDecoder().DecodeSeries(buffer.WrittenSpan, []));

        Assert.Equal("WAL Series record: the record is a Samples record (at byte 0 of the record)", ex.Message);
    }

    [Fact]
    public void DecodeSeries_InvalidUtf8_ThrowsWithOffset()
    {
        // type, 1 series, ref 5, 1 label, name "a", value 0xC3 0x28 (invalid UTF-8 sequence).
        byte[] record = [1, 1, 5, 1, 1, (byte)'a', 2, 0xC3, 0x28];
        var into = new List<WalSeries>();

        var ex = Assert.Throws<InvalidDataException>(() => new WalRecordDecoder().DecodeSeries(record, into));

        Assert.Equal("WAL Series record: series ref 5: label value is not valid UTF-8 (at byte 6 of the record)", ex.Message);
        Assert.Empty(into);
    }

    [Fact]
    public void DecodeSeries_UnsortedLabels_Throws()
    {
        byte[] record = [1, 1, 5, 2, 1, (byte)'b', 1, (byte)'x', 1, (byte)'a', 1, (byte)'y'];

        var ex = Assert.Throws<InvalidDataException>(() => new WalRecordDecoder().DecodeSeries(record, []));

        Assert.Contains("label \"a\" is out of order or duplicated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeSeries_LengthPastEnd_Throws()
    {
        byte[] record = [1, 1, 5, 1, 50, (byte)'a', (byte)'b', (byte)'c'];

        var ex = Assert.Throws<InvalidDataException>(() => new WalRecordDecoder().DecodeSeries(record, []));

        Assert.Contains("label name length runs past the end of the record", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetRecordType_EmptyOrUnknown_ReportsByteValue()
    {
        Assert.Equal(WalRecordType.Unknown, WalRecords.GetRecordType([]));
        Assert.Equal((WalRecordType)9, WalRecords.GetRecordType([9, 1, 2]));
    }
}
