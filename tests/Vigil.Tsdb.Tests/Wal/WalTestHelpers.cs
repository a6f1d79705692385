using System.Text;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb.Tests.Wal;

/// <summary>Small helpers shared by the WAL tests.</summary>
internal static class WalTestHelpers
{
    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    public static string Text(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    /// <summary>Reads every record as text with its position; stops at the end or lets a corruption propagate.</summary>
    public static List<(string Text, WalPosition Position)> ReadAll(WalReader reader)
    {
        var result = new List<(string, WalPosition)>();
        while (reader.Next())
        {
            result.Add((Text(reader.Record), reader.Position));
        }
        return result;
    }

    /// <summary>Reads records until the end or a corruption, which is returned instead of thrown.</summary>
    public static (List<string> Records, WalCorruptionException? Corruption) ReadUntilCorruption(WalReader reader)
    {
        var records = new List<string>();
        try
        {
            while (reader.Next())
            {
                records.Add(Text(reader.Record));
            }
            return (records, null);
        }
        catch (WalCorruptionException ex)
        {
            return (records, ex);
        }
    }

    public static WriteAheadLog OpenWal(string dir, long segmentSize = WalOptions.DefaultSegmentSize, WalSyncMode mode = WalSyncMode.Interval, TimeSpan? interval = null, Action<string>? log = null)
        => WriteAheadLog.Open(new WalOptions
        {
            Directory = dir,
            SegmentSize = segmentSize,
            Sync = mode,
            SyncInterval = interval ?? TimeSpan.FromHours(1),
        }, log);

    public static string SegmentPath(string dir, int index) => Path.Combine(dir, index.ToString("D8", System.Globalization.CultureInfo.InvariantCulture));
}
