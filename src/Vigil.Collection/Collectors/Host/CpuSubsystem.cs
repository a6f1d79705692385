namespace Vigil.Collection.Collectors.Host;

/// <summary>Per-CPU time by mode from <c>/proc/stat</c>, as node_exporter's <c>cpu</c> collector.</summary>
internal sealed class CpuSubsystem(Procfs procfs) : IHostSubsystem
{
    private static readonly string[] Modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"];

    public string Name => "cpu";

    public void Collect(SampleWriter writer)
    {
        string file = procfs.PathOf("stat");
        double hz = Procfs.UserHz;
        foreach (var line in procfs.Read("stat").Split('\n'))
        {
            // "cpu0 user nice system idle iowait irq softirq steal guest guest_nice" in USER_HZ ticks; "cpu " is the total.
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3]))
            {
                continue;
            }
            var f = Procfs.Fields(line);
            string cpu = f[0][3..];
            for (int i = 0; i < Modes.Length && i + 1 < f.Length; i++)
            {
                writer.Add("node_cpu_seconds_total", Procfs.ParseNumber(f[i + 1], file) / hz, "cpu", cpu, "mode", Modes[i]);
            }
            if (f.Length > 10)
            {
                writer.Add("node_cpu_guest_seconds_total", Procfs.ParseNumber(f[9], file) / hz, "cpu", cpu, "mode", "user");
                writer.Add("node_cpu_guest_seconds_total", Procfs.ParseNumber(f[10], file) / hz, "cpu", cpu, "mode", "nice");
            }
        }
    }
}
