using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb;
using Vigil.Tsdb.Wal;

namespace Vigil.Fuzz;

/// <summary>The write-ahead log targets: the record decoder alone, and a whole start-up replay over a damaged log.</summary>
internal static class WalTargets
{
    // Frame layout of a segment (see Vigil.Tsdb's WalFrame): type byte, little-endian payload length, CRC-32C.
    private const int FrameHeader = 9;
    private const byte FullRecord = 1;
    private const byte Batch = 2;

    private static readonly WalRecordDecoder s_decoder = new();
    private static readonly List<WalSeries> s_series = [];
    private static readonly List<WalSample> s_samples = [];
    private static int s_replays;

    /// <summary>Decodes the input as one record of the type its first byte names (both decoders for other bytes).</summary>
    public static Outcome Record(byte[] input)
    {
        s_series.Clear();
        s_samples.Clear();
        try
        {
            switch (input.Length > 0 ? input[0] : (byte)0)
            {
                case (byte)WalRecordType.Series:
                    s_decoder.DecodeSeries(input, s_series);
                    break;
                case (byte)WalRecordType.Samples:
                    s_decoder.DecodeSamples(input, s_samples);
                    break;
                default:
                    try
                    {
                        s_decoder.DecodeSeries(input, s_series);
                    }
                    catch (InvalidDataException)
                    {
                        // Expected: the type byte is wrong; the samples decoder must refuse it the same way.
                    }
                    s_decoder.DecodeSamples(input, s_samples);
                    break;
            }
            return Outcome.Accepted;
        }
        catch (InvalidDataException)
        {
            return Outcome.Rejected;
        }
    }

    /// <summary>
    /// Writes the input (after its first byte) as segment 0 of <c>wal/</c>, or as the segment of
    /// <c>wal/checkpoint.00000000/</c> when bit 0 of the first byte is set, recomputes every frame's checksum unless bit 1
    /// is set (so mutations reach the record decoder and the head instead of stopping at the CRC), then opens and closes
    /// the database as <c>vigil serve</c> does at start.
    /// </summary>
    public static Outcome Replay(byte[] input)
    {
        byte mode = input.Length > 0 ? input[0] : (byte)0;
        byte[] segment = input.Length > 1 ? input[1..] : [];
        if ((mode & 2) == 0)
        {
            FixChecksums(segment);
        }
        string dataDir = Path.Combine(Scratch.Directory, "data-" + (s_replays++).ToString(CultureInfo.InvariantCulture));
        string walDir = Path.Combine(dataDir, "wal");
        string segmentDir = (mode & 1) != 0 ? Path.Combine(walDir, Checkpoint.DirectoryName(0)) : walDir;
        Directory.CreateDirectory(segmentDir);
        File.WriteAllBytes(Path.Combine(segmentDir, "00000000"), segment);
        try
        {
            using var db = TsdbStorage.Open(Options(dataDir));
            return db.LastReplay.Corruption is null ? Outcome.Accepted : Outcome.Rejected;
        }
        catch (StorageException)
        {
            return Outcome.Rejected;
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Writes seeds for the WAL targets: real records and real segments written by Vigil's own storage.</summary>
    public static void WriteSeeds(string target, string directory)
    {
        Directory.CreateDirectory(directory);
        var labels = new[]
        {
            LabelSet.Of("__name__", "http_requests_total", "job", "api", "instance", "127.0.0.1:9090"),
            LabelSet.Of("__name__", "up", "job", "node"),
        };
        if (target == "wal-record")
        {
            var w = new ArrayBufferWriter<byte>();
            WalRecords.EncodeSeries([new WalSeries(1, labels[0]), new WalSeries(2, labels[1]), new WalSeries(7, LabelSet.Empty)], w);
            File.WriteAllBytes(Path.Combine(directory, "series"), w.WrittenSpan.ToArray());
            w.Clear();
            WalRecords.EncodeSamples([new WalSample(1, 1_700_000_000_000, 1.5), new WalSample(2, 1_700_000_015_000, double.NaN),
                new WalSample(1, 1_699_999_999_000, double.PositiveInfinity)], w);
            File.WriteAllBytes(Path.Combine(directory, "samples"), w.WrittenSpan.ToArray());
            return;
        }
        if (target != "wal-replay")
        {
            throw new ArgumentException($"no generated seeds for {target}", nameof(target));
        }
        string dataDir = Path.Combine(Scratch.Directory, "seed-db");
        using (var db = TsdbStorage.Open(Options(dataDir)))
        {
            var app = db.Appender();
            long t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
            for (int i = 0; i < 4; i++)
            {
                foreach (var l in labels)
                {
                    app.Append(l, t + (i * 15_000), i * 2.5);
                }
            }
            app.Commit();
        }
        byte[] bytes = File.ReadAllBytes(Path.Combine(dataDir, "wal", "00000000"));
        int end = bytes.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
        Directory.Delete(dataDir, recursive: true);
        File.WriteAllBytes(Path.Combine(directory, "segment"), [0, .. bytes.AsSpan(0, end)]);
        File.WriteAllBytes(Path.Combine(directory, "checkpoint"), [1, .. bytes.AsSpan(0, end)]);
    }

    private static TsdbOptions Options(string dataDir) => new()
    {
        DataDir = dataDir,
        DisableBackgroundMaintenance = true,
        WalSegmentSize = 1024 * 1024,
        WalSync = WalSyncMode.Interval,
    };

    private static void FixChecksums(Span<byte> segment)
    {
        int pos = 0;
        while (segment.Length - pos >= FrameHeader && segment[pos] is FullRecord or Batch)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(segment[(pos + 1)..]);
            if (length > (uint)(segment.Length - pos - FrameHeader))
            {
                return;
            }
            var frame = segment.Slice(pos, FrameHeader + (int)length);
            uint crc = Crc32C(0xFFFFFFFFu, frame[..5]);
            crc = ~Crc32C(crc, frame[FrameHeader..]);
            BinaryPrimitives.WriteUInt32LittleEndian(frame[5..], crc);
            pos += frame.Length;
        }
    }

    private static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return crc;
    }
}
