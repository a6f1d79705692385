namespace Vigil.Collection.Collectors.Host;

/// <summary>1, 5 and 15 minute load averages from <c>/proc/loadavg</c>, as node_exporter's <c>loadavg</c> collector.</summary>
internal sealed class LoadavgSubsystem(Procfs procfs) : IHostSubsystem
{
    public string Name => "loadavg";

    public void Collect(SampleWriter writer)
    {
        string file = procfs.PathOf("loadavg");
        var f = Procfs.Fields(procfs.Read("loadavg").Trim());
        if (f.Length < 3)
        {
            throw new FormatException($"{file}: expected at least 3 fields, got {f.Length}");
        }
        writer.Add("node_load1", Procfs.ParseNumber(f[0], file));
        writer.Add("node_load5", Procfs.ParseNumber(f[1], file));
        writer.Add("node_load15", Procfs.ParseNumber(f[2], file));
    }
}
