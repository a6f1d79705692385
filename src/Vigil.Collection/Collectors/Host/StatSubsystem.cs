namespace Vigil.Collection.Collectors.Host;

/// <summary>Boot time, context switches, forks, interrupts and process states from <c>/proc/stat</c>, as node_exporter's <c>stat</c> collector.</summary>
internal sealed class StatSubsystem(Procfs procfs) : IHostSubsystem
{
    public string Name => "stat";

    public void Collect(SampleWriter writer)
    {
        string file = procfs.PathOf("stat");
        foreach (var line in procfs.Read("stat").Split('\n'))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                continue;
            }
            string key = line[..space];
            string? metric = key switch
            {
                "btime" => "node_boot_time_seconds",
                "ctxt" => "node_context_switches_total",
                "processes" => "node_forks_total",
                "procs_running" => "node_procs_running",
                "procs_blocked" => "node_procs_blocked",
                "intr" => "node_intr_total",
                _ => null,
            };
            if (metric is null)
            {
                continue;
            }
            // "intr" is followed by per-interrupt counts; the first number is the total.
            string first = Procfs.Fields(line[space..])[0];
            writer.Add(metric, Procfs.ParseNumber(first, file));
        }
    }
}
