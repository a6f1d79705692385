using System.Runtime.InteropServices;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Sdk.Profiling;

namespace Vigil.Sdk.Exposition;

/// <summary>
/// Writes a profiler's cumulative series as Prometheus families: the three <c>vigil_tool_*</c> histograms (with
/// buckets), run, error, exception, cache, I/O, network, GC and custom counters, and the SDK's own dropped and misuse
/// counts. Names follow OpenTelemetry's Prometheus conversion of the instruments, so a scrape of the SDK and a scrape of
/// an OpenTelemetry exporter fed by the same meter look alike.
/// </summary>
internal static class ProfilerMetricsWriter
{
    private static readonly string[] OutcomeWords = ["success", "failure", "cancelled"];

    public static void Write(TextFormatWriter w, ToolProfiler profiler)
    {
        var tools = profiler.ToolStates();
        var snapshots = new List<ToolSnapshot>(tools.Count);
        foreach (var t in tools)
        {
            snapshots.Add(t.Snapshot());
        }
        var labels = new List<Label>(16);

        WriteHistogram(w, snapshots, labels, "vigil_tool_duration_seconds", "Wall-clock duration of tool runs.", "seconds", profiler.DurationBounds, static c => c.Duration);
        WriteHistogram(w, snapshots, labels, "vigil_tool_cpu_time_seconds", "CPU time (user + system) spent by tool runs.", "seconds", profiler.CpuBounds, static c => c.Cpu);
        WriteHistogram(w, snapshots, labels, "vigil_tool_allocated_bytes", "Managed heap bytes allocated by tool runs.", "bytes", profiler.AllocatedBounds, static c => c.Allocated);
        WriteSeriesCounter(w, snapshots, labels, "vigil_tool_runs_total", "Completed tool runs.", static c => c.Runs, always: true);
        WriteErrors(w, snapshots, labels);
        WriteSeriesCounter(w, snapshots, labels, "vigil_tool_exceptions_total", "Exceptions thrown (caught or not) inside tool runs.", static c => c.Exceptions, always: false);
        WriteSeriesCounter(w, snapshots, labels, "vigil_tool_cache_hits_total", "Cache hits reported by tools.", static c => c.CacheHits, always: false);
        WriteSeriesCounter(w, snapshots, labels, "vigil_tool_cache_misses_total", "Cache misses reported by tools.", static c => c.CacheMisses, always: false);
        WriteSeriesCounter(w, snapshots, labels, "vigil_tool_io_operations_total", "I/O operations reported by tools.", static c => c.IoOperations, always: false);
        WriteSeriesCounter(w, snapshots, labels, "vigil_tool_network_calls_total", "Network calls reported by tools.", static c => c.NetworkCalls, always: false);
        WriteGc(w, snapshots, labels);
        WriteCustom(w, snapshots, labels);
        WriteSdkCounters(w, profiler);
    }

    private static void WriteHistogram(TextFormatWriter w, List<ToolSnapshot> tools, List<Label> labels, string name, string help, string unit,
        double[] bounds, Func<OutcomeCells, HistogramCells> select)
    {
        if (!AnyCells(tools))
        {
            return;
        }
        w.WriteMetadata(name, MetricType.Histogram, help, unit);
        string bucket = name + "_bucket";
        string sum = name + "_sum";
        string count = name + "_count";
        var leValues = new string[bounds.Length];
        for (int i = 0; i < bounds.Length; i++)
        {
            leValues[i] = HistogramBuckets.FormatBound(bounds[i], w.Format == ExpositionFormatKind.OpenMetrics);
        }
        foreach (var tool in tools)
        {
            foreach (var (series, cells) in tool.Series)
            {
                for (int o = 0; o < cells.Length; o++)
                {
                    if (cells[o] is not { } c)
                    {
                        continue;
                    }
                    var h = select(c);
                    SeriesLabels(labels, tool.Tool, o, series);
                    labels.Add(default);
                    long cumulative = 0;
                    for (int b = 0; b < bounds.Length; b++)
                    {
                        cumulative += h.Buckets[b];
                        labels[^1] = new Label("le", leValues[b]);
                        w.WriteSample(bucket, CollectionsMarshal.AsSpan(labels), cumulative);
                    }
                    cumulative += h.Buckets[^1];
                    labels[^1] = new Label("le", "+Inf");
                    w.WriteSample(bucket, CollectionsMarshal.AsSpan(labels), cumulative);
                    labels.RemoveAt(labels.Count - 1);
                    w.WriteSample(sum, CollectionsMarshal.AsSpan(labels), h.Sum);
                    w.WriteSample(count, CollectionsMarshal.AsSpan(labels), h.Count);
                }
            }
        }
    }

    private static void WriteSeriesCounter(TextFormatWriter w, List<ToolSnapshot> tools, List<Label> labels, string name, string help,
        Func<OutcomeCells, long> select, bool always)
    {
        bool any = false;
        foreach (var tool in tools)
        {
            foreach (var (_, cells) in tool.Series)
            {
                foreach (var c in cells)
                {
                    any |= c is not null && (always || select(c) != 0);
                }
            }
        }
        if (!any)
        {
            return;
        }
        w.WriteMetadata(name, MetricType.Counter, help);
        foreach (var tool in tools)
        {
            foreach (var (series, cells) in tool.Series)
            {
                for (int o = 0; o < cells.Length; o++)
                {
                    if (cells[o] is not { } c || (!always && select(c) == 0))
                    {
                        continue;
                    }
                    SeriesLabels(labels, tool.Tool, o, series);
                    w.WriteSample(name, CollectionsMarshal.AsSpan(labels), select(c));
                }
            }
        }
    }

    private static void WriteErrors(TextFormatWriter w, List<ToolSnapshot> tools, List<Label> labels)
    {
        if (!tools.Any(t => t.Errors.Length > 0))
        {
            return;
        }
        w.WriteMetadata("vigil_tool_errors_total", MetricType.Counter, "Failed tool runs by error type.");
        foreach (var tool in tools)
        {
            foreach (var (type, count) in tool.Errors.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                labels.Clear();
                labels.Add(new Label("tool", tool.Tool));
                labels.Add(new Label("error_type", type));
                w.WriteSample("vigil_tool_errors_total", CollectionsMarshal.AsSpan(labels), count);
            }
        }
    }

    private static void WriteGc(TextFormatWriter w, List<ToolSnapshot> tools, List<Label> labels)
    {
        const string name = "vigil_tool_gc_collections_total";
        bool header = false;
        foreach (var tool in tools)
        {
            for (int g = 0; g < 3; g++)
            {
                long total = 0;
                foreach (var (_, cells) in tool.Series)
                {
                    foreach (var c in cells)
                    {
                        if (c is not null)
                        {
                            total += g == 0 ? c.Gen0 : g == 1 ? c.Gen1 : c.Gen2;
                        }
                    }
                }
                if (total == 0)
                {
                    continue;
                }
                if (!header)
                {
                    w.WriteMetadata(name, MetricType.Counter, "Garbage collections in the process while tool runs were active.");
                    header = true;
                }
                labels.Clear();
                labels.Add(new Label("tool", tool.Tool));
                labels.Add(new Label("generation", g == 0 ? "0" : g == 1 ? "1" : "2"));
                w.WriteSample(name, CollectionsMarshal.AsSpan(labels), total);
            }
        }
    }

    private static void WriteCustom(TextFormatWriter w, List<ToolSnapshot> tools, List<Label> labels)
    {
        if (!tools.Any(t => t.Custom.Length > 0))
        {
            return;
        }
        w.WriteMetadata("vigil_tool_custom_total", MetricType.Counter, "User-defined counters reported by tools.");
        foreach (var tool in tools)
        {
            foreach (var ((counter, outcome), value) in tool.Custom.OrderBy(c => c.Key.Name, StringComparer.Ordinal).ThenBy(c => c.Key.Outcome))
            {
                labels.Clear();
                labels.Add(new Label("tool", tool.Tool));
                labels.Add(new Label("outcome", OutcomeWords[(int)outcome]));
                labels.Add(new Label("counter", counter));
                w.WriteSample("vigil_tool_custom_total", CollectionsMarshal.AsSpan(labels), value);
            }
        }
    }

    private static void WriteSdkCounters(TextFormatWriter w, ToolProfiler profiler)
    {
        w.WriteMetadata("vigil_sdk_dropped_total", MetricType.Counter, "Measurement details the SDK dropped to bound memory or because of invalid input, by reason.");
        foreach (var reason in Enum.GetValues<DroppedReason>())
        {
            w.WriteSample("vigil_sdk_dropped_total", [new Label("reason", ReasonWord(reason))], profiler.Dropped(reason));
        }
        w.WriteMetadata("vigil_sdk_misuse_total", MetricType.Counter, "Misuse the SDK tolerated, by kind (stale_handle is process-wide).");
        w.WriteSample("vigil_sdk_misuse_total", [new Label("kind", "callback_error")], profiler.CallbackErrors);
        w.WriteSample("vigil_sdk_misuse_total", [new Label("kind", "cross_thread_dispose")], profiler.CrossThreadDisposals);
        w.WriteSample("vigil_sdk_misuse_total", [new Label("kind", "stale_handle")], ToolProfiler.StaleUses);
    }

    private static void SeriesLabels(List<Label> labels, string tool, int outcome, ToolSeries series)
    {
        labels.Clear();
        labels.Add(new Label("tool", tool));
        labels.Add(new Label("outcome", OutcomeWords[outcome]));
        labels.AddRange(series.Labels);
    }

    private static bool AnyCells(List<ToolSnapshot> tools) => tools.Any(t => t.Series.Count > 0);

    private static string ReasonWord(DroppedReason reason) => reason switch
    {
        DroppedReason.InvalidToolName => "invalid_tool_name",
        DroppedReason.ToolLimit => "tool_limit",
        DroppedReason.TagLimit => "tag_limit",
        DroppedReason.CounterLimit => "counter_limit",
        DroppedReason.ErrorTypeLimit => "error_type_limit",
        _ => "invalid_counter_name",
    };
}
