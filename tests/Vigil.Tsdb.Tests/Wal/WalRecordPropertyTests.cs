using CsCheck;
using Vigil.Core.Labels;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb.Tests.Wal;

/// <summary>
/// Property tests of the WAL's record codec and frame reader: every record round-trips bit for bit, and any byte
/// string, random or a mutated valid record, decodes or fails with the codec's own error, never another exception.
/// </summary>
/// <remarks>The WAL holds Series and Samples records only (Vigil has no deletion API, so no tombstone records).</remarks>
public sealed class WalRecordPropertyTests
{
    // Note: text without surrogates (a lone surrogate has no UTF-8 form and is refused by the encoder, tested below).
    private static readonly Gen<string> GenText = Gen.OneOf(
        Gen.String[Gen.Char['a', 'z'], 1, 12],
        Gen.String[Gen.Char['\u0001', '\uD7FF'], 1, 40],
        Gen.OneOf(Gen.Const("🚀"), Gen.Const("漢字"), Gen.Const("Zürich"), Gen.Const(new string('x', 300))));

    private static readonly Gen<LabelSet> GenLabels = Gen.Select(GenText, GenText).Array[0, 8]
        .Select(pairs => LabelSet.From(pairs.DistinctBy(p => p.Item1, StringComparer.Ordinal).Select(p => new Label(p.Item1, p.Item2))));

    private static readonly Gen<WalSeries[]> GenSeries = Gen.Select(Gen.ULong, GenLabels, (r, l) => new WalSeries(r, l)).Array[0, 20];

    // Note: every 64-bit pattern as the value, so NaN payloads (staleness markers) are covered; timestamps and refs
    // both ordered (deltas small) and arbitrary (deltas overflow).
    private static readonly Gen<WalSample[]> GenSamples = Gen.OneOf(
        Gen.Select(Gen.ULong, Gen.Long, Gen.ULong, (r, t, v) => new WalSample(r, t, BitConverter.UInt64BitsToDouble(v))).Array[0, 200],
        Gen.Select(Gen.ULong[0, 1000], Gen.Long[1_700_000_000_000, 1_700_000_100_000], Gen.Double, (r, t, v) => new WalSample(r, t, v)).Array[0, 200]);

    private static byte[] Encode(WalSeries[] series)
    {
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSeries(series, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Encode(WalSample[] samples)
    {
        using var buffer = new PooledBufferWriter();
        WalRecords.EncodeSamples(samples, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes <paramref name="record"/> as its type byte says; only <see cref="InvalidDataException"/> may escape.</summary>
    private static int DecodeAny(byte[] record)
    {
        var decoder = new WalRecordDecoder();
        switch (WalRecords.GetRecordType(record))
        {
            case WalRecordType.Series:
                var series = new List<WalSeries>();
                decoder.DecodeSeries(record, series);
                return series.Count;
            case WalRecordType.Samples:
                var samples = new List<WalSample>();
                decoder.DecodeSamples(record, samples);
                return samples.Count;
            default:
                // Unknown types are skipped by replay; decoding them as either type must still fail cleanly.
                Assert.Throws<InvalidDataException>(() => decoder.DecodeSeries(record, []));
                Assert.Throws<InvalidDataException>(() => decoder.DecodeSamples(record, []));
                return 0;
        }
    }

    private static void DecodesOrFailsCleanly(byte[] record)
    {
        try
        {
            DecodeAny(record);
        }
        catch (InvalidDataException e)
        {
            Assert.StartsWith("WAL ", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EncodeSeries_AnySeries_DecodesToTheSameRefsAndLabels()
    {
        GenSeries.Sample(series =>
        {
            var decoded = new List<WalSeries>();
            new WalRecordDecoder().DecodeSeries(Encode(series), decoded);
            Assert.Equal(series.Length, decoded.Count);
            for (int i = 0; i < series.Length; i++)
            {
                Assert.Equal(series[i].Ref, decoded[i].Ref);
                Assert.Equal(series[i].Labels, decoded[i].Labels);
            }
        }, iter: 2000);
    }

    [Fact]
    public void EncodeSamples_AnySamples_DecodeBitForBit()
    {
        GenSamples.Sample(samples =>
        {
            var decoded = new List<WalSample>();
            new WalRecordDecoder().DecodeSamples(Encode(samples), decoded);
            Assert.Equal(samples.Length, decoded.Count);
            for (int i = 0; i < samples.Length; i++)
            {
                Assert.Equal(samples[i].Ref, decoded[i].Ref);
                Assert.Equal(samples[i].T, decoded[i].T);
                Assert.Equal(BitConverter.DoubleToUInt64Bits(samples[i].V), BitConverter.DoubleToUInt64Bits(decoded[i].V));
            }
        }, iter: 2000);
    }

    [Fact]
    public void EncodeSeries_LabelWithALoneSurrogate_RefusedWithArgumentException()
    {
        Gen.Select(Gen.Char['\uD800', '\uDFFF'], GenText, (c, s) => s + c).Sample(bad =>
        {
            var series = new[] { new WalSeries(1, LabelSet.Of("name", bad)) };
            Assert.Throws<ArgumentException>(() => Encode(series));
        }, iter: 200);
    }

    [Fact]
    public void Decode_RandomBytes_DecodesOrFailsWithInvalidData()
    {
        // Half the inputs start with a valid type byte, so the decoder gets past the first check.
        var gen = Gen.Select(Gen.Int[0, 3], Gen.Byte.Array[0, 300], (kind, bytes) =>
        {
            if (bytes.Length > 0 && kind > 0)
            {
                bytes[0] = kind == 1 ? (byte)WalRecordType.Series : (byte)WalRecordType.Samples;
            }
            return bytes;
        });
        gen.Sample(DecodesOrFailsCleanly, iter: 20_000);
    }

    [Fact]
    public void Decode_MutatedValidRecord_DecodesOrFailsWithInvalidData()
    {
        var valid = Gen.OneOf(GenSeries.Where(s => s.Length > 0).Select(Encode), GenSamples.Where(s => s.Length > 0).Select(Encode));
        // A mutation: flip bits of one byte, cut the record short, or splice in random bytes.
        var gen = Gen.Select(valid, Gen.Int[0, 2], Gen.Int, Gen.Byte[1, 255], Gen.Byte.Array[1, 16], (record, kind, at, mask, junk) =>
        {
            int i = (int)((uint)at % (uint)record.Length);
            return kind switch
            {
                0 => Flip(record, i, mask),
                1 => record[..i],
                _ => [.. record[..i], .. junk, .. record[i..]],
            };
        });
        gen.Sample(DecodesOrFailsCleanly, iter: 10_000);

        static byte[] Flip(byte[] record, int i, byte mask)
        {
            record[i] ^= mask;
            return record;
        }
    }

    [Fact]
    public void WalReader_SegmentWithARandomMutation_ReturnsAnIntactPrefixThenACorruptionError()
    {
        var gen = Gen.Select(GenSamples.Where(s => s.Length > 0).Array[1, 6], Gen.Int, Gen.Byte[1, 255], Gen.Int[0, 2]);
        gen.Sample((records, at, mask, kind) =>
        {
            using var dir = new TempDirectory();
            var encoded = records.Select(Encode).ToArray();
            using (var wal = WriteAheadLog.Open(new WalOptions { Directory = dir.Path, SyncInterval = TimeSpan.FromHours(1) }))
            {
                foreach (var r in encoded)
                {
                    wal.Log(r);
                }
            }
            string segment = SegmentFiles.PathOf(dir.Path, 0);
            byte[] bytes = File.ReadAllBytes(segment);
            int i = (int)((uint)at % (uint)bytes.Length);
            if (kind == 0)
            {
                bytes[i] ^= mask;
            }
            else if (kind == 1)
            {
                bytes = bytes[..i];
            }
            else
            {
                bytes[i..].AsSpan().Fill(mask);
            }
            File.WriteAllBytes(segment, bytes);

            var read = new List<byte[]>();
            try
            {
                using var reader = WalReader.Open(dir.Path);
                while (reader.Next())
                {
                    read.Add(reader.Record.ToArray());
                }
            }
            catch (WalCorruptionException e)
            {
                Assert.Equal(0, e.Segment);
            }
            // Whatever was returned is exactly the start of what was written: a checksum never lets damage through.
            Assert.True(read.Count <= encoded.Length);
            for (int k = 0; k < read.Count; k++)
            {
                Assert.Equal(encoded[k], read[k]);
            }
        }, iter: 150, threads: 1);
    }
}
