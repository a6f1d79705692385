using System.Diagnostics;
using Vigil.Collection.Collectors;
using Vigil.Core.Exposition;

namespace Vigil.Server.Metrics;

/// <summary>
/// The standard <c>process_*</c> metrics of Prometheus client libraries for the current process: CPU seconds,
/// resident and virtual memory, open and maximum file descriptors, start time.
/// </summary>
/// <remarks>Reads <c>/proc/self</c> on Linux; elsewhere falls back to <see cref="Process"/> for what it offers. Thread-safe.</remarks>
internal sealed class ProcessMetrics(Procfs procfs)
{
    private double? _bootTime;

    public void Collect(List<MetricFamily> into)
    {
        if (LibC.IsSupported && Directory.Exists(procfs.PathOf("self")))
        {
            CollectProcfs(into);
        }
        else
        {
            CollectPortable(into);
        }
    }

    private void CollectProcfs(List<MetricFamily> into)
    {
        string statPath = procfs.PathOf("self/stat");
        string stat = procfs.Read("self/stat");
        // Note: the command name in parentheses may contain spaces, so fields are counted after the last ')'.
        int close = stat.LastIndexOf(')');
        var f = Procfs.Fields(stat[(close + 2)..].Trim());
        // f[0] is field 3 (state) of proc(5), so field N is f[N - 3].
        double utime = Procfs.ParseNumber(f[14 - 3], statPath);
        double stime = Procfs.ParseNumber(f[15 - 3], statPath);
        double startTicks = Procfs.ParseNumber(f[22 - 3], statPath);
        double vsize = Procfs.ParseNumber(f[23 - 3], statPath);
        double rssPages = Procfs.ParseNumber(f[24 - 3], statPath);
        _bootTime ??= procfs.BootTimeSeconds();

        into.Add(new MetricFamily("process_cpu_seconds_total", MetricType.Counter, "Total user and system CPU time spent in seconds.")
            .Add((utime + stime) / Procfs.UserHz));
        into.Add(new MetricFamily("process_resident_memory_bytes", MetricType.Gauge, "Resident memory size in bytes.")
            .Add(rssPages * Environment.SystemPageSize));
        into.Add(new MetricFamily("process_virtual_memory_bytes", MetricType.Gauge, "Virtual memory size in bytes.")
            .Add(vsize));
        into.Add(new MetricFamily("process_start_time_seconds", MetricType.Gauge, "Start time of the process since unix epoch in seconds.")
            .Add(_bootTime.Value + (startTicks / Procfs.UserHz)));
        into.Add(new MetricFamily("process_open_fds", MetricType.Gauge, "Number of open file descriptors.")
            .Add(CountOpenFds()));

        var (maxFds, maxVsize) = ReadLimits();
        if (maxFds is not null)
        {
            into.Add(new MetricFamily("process_max_fds", MetricType.Gauge, "Maximum number of open file descriptors.").Add(maxFds.Value));
        }
        if (maxVsize is not null)
        {
            into.Add(new MetricFamily("process_virtual_memory_max_bytes", MetricType.Gauge, "Maximum amount of virtual memory available in bytes.").Add(maxVsize.Value));
        }
    }

    private int CountOpenFds()
    {
        int n = 0;
        foreach (var _ in Directory.EnumerateFileSystemEntries(procfs.PathOf("self/fd")))
        {
            n++;
        }
        return n;
    }

    private (double? MaxFds, double? MaxAddressSpace) ReadLimits()
    {
        double? fds = null, vsize = null;
        string path = procfs.PathOf("self/limits");
        foreach (var line in procfs.Read("self/limits").Split('\n'))
        {
            // "Max open files            1024                 1048576              files"
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                fds = SoftLimit(line["Max open files".Length..], path);
            }
            else if (line.StartsWith("Max address space", StringComparison.Ordinal))
            {
                vsize = SoftLimit(line["Max address space".Length..], path);
            }
        }
        return (fds, vsize);
    }

    private static double SoftLimit(string rest, string path)
    {
        string soft = Procfs.Fields(rest)[0];
        // Note: client_golang reports "unlimited" as the largest uint64, so dashboards see the same number.
        return soft == "unlimited" ? ulong.MaxValue : Procfs.ParseNumber(soft, path);
    }

    private static void CollectPortable(List<MetricFamily> into)
    {
        using var p = Process.GetCurrentProcess();
        into.Add(new MetricFamily("process_cpu_seconds_total", MetricType.Counter, "Total user and system CPU time spent in seconds.")
            .Add(p.TotalProcessorTime.TotalSeconds));
        into.Add(new MetricFamily("process_resident_memory_bytes", MetricType.Gauge, "Resident memory size in bytes.")
            .Add(p.WorkingSet64));
        into.Add(new MetricFamily("process_virtual_memory_bytes", MetricType.Gauge, "Virtual memory size in bytes.")
            .Add(p.VirtualMemorySize64));
        into.Add(new MetricFamily("process_start_time_seconds", MetricType.Gauge, "Start time of the process since unix epoch in seconds.")
            .Add(new DateTimeOffset(p.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0));
    }
}
