using System.Text.RegularExpressions;

namespace Vigil.Collection.Collectors.Host;

/// <summary>Per-interface traffic and errors from <c>/proc/net/dev</c>, as node_exporter's <c>netdev</c> collector.</summary>
internal sealed class NetdevSubsystem(Procfs procfs, Regex? deviceExclude) : IHostSubsystem
{
    private static readonly string[] Fields =
    [
        "receive_bytes", "receive_packets", "receive_errs", "receive_drop", "receive_fifo", "receive_frame", "receive_compressed", "receive_multicast",
        "transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop", "transmit_fifo", "transmit_colls", "transmit_carrier", "transmit_compressed",
    ];

    private static readonly string[] MetricNames = Array.ConvertAll(Fields, f => "node_network_" + f + "_total");

    public string Name => "netdev";

    public void Collect(SampleWriter writer)
    {
        string file = procfs.PathOf("net/dev");
        foreach (var line in procfs.Read("net/dev").Split('\n'))
        {
            // "  eth0: 1234 5 0 0 0 0 0 0 5678 6 0 0 0 0 0 0"; the two header lines have no colon before the fields.
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            string device = line[..colon].Trim();
            if (device.Length == 0 || deviceExclude?.IsMatch(device) == true)
            {
                continue;
            }
            var f = Procfs.Fields(line[(colon + 1)..]);
            if (f.Length < Fields.Length)
            {
                continue;
            }
            for (int i = 0; i < Fields.Length; i++)
            {
                writer.Add(MetricNames[i], Procfs.ParseNumber(f[i], file), "device", device);
            }
        }
    }
}
