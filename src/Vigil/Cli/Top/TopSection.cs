namespace Vigil.Cli.Top;

/// <summary>A table of <c>vigil top</c>: metrics for each key (host, process, tool).</summary>
/// <param name="Id">Stable name in JSON output.</param>
/// <param name="Title">The table's title.</param>
/// <param name="KeyLabels">Labels whose values, joined by '/', name a column (or row) of the table.</param>
/// <param name="KeysAsRows">True for one row per key (tools: many keys, few metrics); false for one column per key.</param>
/// <param name="Metrics">The lines, in display order.</param>
internal sealed record TopSection(string Id, string Title, string[] KeyLabels, bool KeysAsRows, TopMetric[] Metrics)
{
    /// <summary>What <c>vigil top</c> shows: the host (node_* metrics), .NET processes (Vigil's own and attached apps), SDK tools.</summary>
    public static readonly TopSection[] All =
    [
        new("host", "Host", ["instance"], false,
        [
            new("cpu_busy_percent", "CPU busy", "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m])))", TopUnit.Percent),
            new("cpus", "CPUs", "count by (instance) (node_cpu_seconds_total{mode=\"idle\"})", TopUnit.Number),
            new("load1", "Load (1m)", "node_load1", TopUnit.Number),
            new("memory_used_bytes", "Memory used", "node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes", TopUnit.Bytes),
            new("memory_used_percent", "Memory used %", "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)", TopUnit.Percent),
            new("root_disk_used_percent", "Root disk used", "100 * (1 - node_filesystem_avail_bytes{mountpoint=\"/\"} / node_filesystem_size_bytes{mountpoint=\"/\"})", TopUnit.Percent),
            new("disk_read_bytes_per_second", "Disk read", "sum by (instance) (rate(node_disk_read_bytes_total[1m]))", TopUnit.BytesPerSecond),
            new("disk_written_bytes_per_second", "Disk write", "sum by (instance) (rate(node_disk_written_bytes_total[1m]))", TopUnit.BytesPerSecond),
            new("network_receive_bytes_per_second", "Network in", "sum by (instance) (rate(node_network_receive_bytes_total{device!=\"lo\"}[1m]))", TopUnit.BytesPerSecond),
            new("network_transmit_bytes_per_second", "Network out", "sum by (instance) (rate(node_network_transmit_bytes_total{device!=\"lo\"}[1m]))", TopUnit.BytesPerSecond),
        ]),
        new("runtime", "Processes (.NET runtime where available)", ["job", "instance"], false,
        [
            new("cpu_percent", "CPU", "100 * rate(process_cpu_seconds_total[1m])", TopUnit.Percent),
            new("resident_memory_bytes", "Resident memory", "process_resident_memory_bytes", TopUnit.Bytes),
            new("gc_heap_bytes", "GC heap", "sum by (job, instance) (dotnet_gc_last_collection_heap_size_bytes)", TopUnit.Bytes),
            new("allocated_bytes_per_second", "Allocation rate", "rate(dotnet_gc_heap_total_allocated_bytes_total[1m])", TopUnit.BytesPerSecond),
            new("gc_collections_per_second", "GC collections", "sum by (job, instance) (rate(dotnet_gc_collections_total[1m]))", TopUnit.PerSecond),
            new("gc_pause_percent", "GC pause", "100 * rate(dotnet_gc_pause_time_seconds_total[1m])", TopUnit.Percent),
            new("thread_pool_threads", "Thread pool threads", "dotnet_thread_pool_thread_count_total", TopUnit.Number),
            new("thread_pool_work_items_per_second", "Thread pool work items", "rate(dotnet_thread_pool_work_item_count_total[1m])", TopUnit.PerSecond),
            new("lock_contentions_per_second", "Lock contentions", "rate(dotnet_monitor_lock_contentions_total[1m])", TopUnit.PerSecond),
        ]),
        new("tools", "Tools (Vigil SDK)", ["tool"], true,
        [
            new("runs_per_second", "Runs", "sum by (tool) (rate(vigil_tool_runs_total[1m]))", TopUnit.PerSecond),
            new("duration_p50_seconds", "p50", "histogram_quantile(0.5, sum by (tool, le) (rate(vigil_tool_duration_seconds_bucket[1m])))", TopUnit.Seconds),
            new("duration_p95_seconds", "p95", "histogram_quantile(0.95, sum by (tool, le) (rate(vigil_tool_duration_seconds_bucket[1m])))", TopUnit.Seconds),
            new("duration_p99_seconds", "p99", "histogram_quantile(0.99, sum by (tool, le) (rate(vigil_tool_duration_seconds_bucket[1m])))", TopUnit.Seconds),
            new("failures_per_second", "Failures", "sum by (tool) (rate(vigil_tool_runs_total{outcome=\"failure\"}[1m]))", TopUnit.PerSecond),
        ]),
    ];
}
