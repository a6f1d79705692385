using System.Text.RegularExpressions;

namespace Vigil.Collection.Collectors.Host;

/// <summary>Block device I/O from <c>/proc/diskstats</c>, as node_exporter's <c>diskstats</c> collector (sectors are 512 bytes).</summary>
internal sealed class DiskstatsSubsystem(Procfs procfs, Regex deviceExclude) : IHostSubsystem
{
    private const double SectorBytes = 512;
    private const double Ms = 0.001;

    // Columns after "major minor name", in order; the scale converts kernel units to node_exporter's.
    private static readonly (string Metric, double Scale)[] Columns =
    [
        ("node_disk_reads_completed_total", 1),
        ("node_disk_reads_merged_total", 1),
        ("node_disk_read_bytes_total", SectorBytes),
        ("node_disk_read_time_seconds_total", Ms),
        ("node_disk_writes_completed_total", 1),
        ("node_disk_writes_merged_total", 1),
        ("node_disk_written_bytes_total", SectorBytes),
        ("node_disk_write_time_seconds_total", Ms),
        ("node_disk_io_now", 1),
        ("node_disk_io_time_seconds_total", Ms),
        ("node_disk_io_time_weighted_seconds_total", Ms),
        ("node_disk_discards_completed_total", 1),
        ("node_disk_discards_merged_total", 1),
        ("node_disk_discarded_sectors_total", 1),
        ("node_disk_discard_time_seconds_total", Ms),
        ("node_disk_flush_requests_total", 1),
        ("node_disk_flush_requests_time_seconds_total", Ms),
    ];

    public string Name => "diskstats";

    public void Collect(SampleWriter writer)
    {
        string file = procfs.PathOf("diskstats");
        foreach (var line in procfs.Read("diskstats").Split('\n'))
        {
            var f = Procfs.Fields(line);
            if (f.Length < 14)
            {
                continue;
            }
            string device = f[2];
            if (deviceExclude.IsMatch(device))
            {
                continue;
            }
            for (int i = 0; i < Columns.Length && i + 3 < f.Length; i++)
            {
                writer.Add(Columns[i].Metric, Procfs.ParseNumber(f[i + 3], file) * Columns[i].Scale, "device", device);
            }
        }
    }
}
