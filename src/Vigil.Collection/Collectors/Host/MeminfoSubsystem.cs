namespace Vigil.Collection.Collectors.Host;

/// <summary>
/// Every field of <c>/proc/meminfo</c>, as node_exporter's <c>meminfo</c> collector: <c>MemTotal: 123 kB</c> becomes
/// <c>node_memory_MemTotal_bytes</c> (×1024), <c>Active(anon)</c> becomes <c>Active_anon</c>, unit-less fields such
/// as <c>HugePages_Total</c> keep their name without <c>_bytes</c>.
/// </summary>
internal sealed class MeminfoSubsystem(Procfs procfs) : IHostSubsystem
{
    public string Name => "meminfo";

    public void Collect(SampleWriter writer)
    {
        string file = procfs.PathOf("meminfo");
        foreach (var line in procfs.Read("meminfo").Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            var f = Procfs.Fields(line[(colon + 1)..]);
            if (f.Length == 0)
            {
                continue;
            }
            string key = line[..colon].Replace('(', '_').Replace(")", string.Empty, StringComparison.Ordinal);
            double value = Procfs.ParseNumber(f[0], file);
            if (f.Length > 1 && f[1] == "kB")
            {
                writer.Add("node_memory_" + key + "_bytes", value * 1024);
            }
            else
            {
                writer.Add("node_memory_" + key, value);
            }
        }
    }
}
