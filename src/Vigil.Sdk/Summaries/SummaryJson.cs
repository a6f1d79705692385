using System.Text.Json;
using Vigil.Core.Model;

namespace Vigil.Sdk.Summaries;

/// <summary>Writes summaries as JSON in the seed's snake_case shape; NaN (nothing measured) is written as <c>null</c>.</summary>
internal static class SummaryJson
{
    public static void WriteSummaries(Utf8JsonWriter w, TimeSpan window, IReadOnlyList<ToolPerformanceSummary> summaries)
    {
        w.WriteStartObject();
        WriteWindow(w, window);
        w.WriteStartArray("tools");
        foreach (var s in summaries)
        {
            WriteSummary(w, s);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteSummary(Utf8JsonWriter w, ToolPerformanceSummary s)
    {
        w.WriteStartObject();
        w.WriteString("tool_name", s.Tool);
        WriteWindow(w, s.Window);
        w.WriteNumber("first_run", Timestamp.ToSeconds(s.FirstRunMs));
        w.WriteNumber("last_run", Timestamp.ToSeconds(s.LastRunMs));
        w.WriteNumber("total_executions", s.TotalExecutions);
        w.WriteNumber("successes", s.Successes);
        w.WriteNumber("failures", s.Failures);
        w.WriteNumber("cancellations", s.Cancellations);
        w.WriteNumber("error_rate", s.ErrorRate);
        WriteDistribution(w, "execution_time", s.Duration);
        WriteDistribution(w, "cpu_time", s.CpuTime);
        WriteDistribution(w, "allocated_bytes", s.AllocatedBytes);
        w.WriteNumber("cache_hits", s.CacheHits);
        w.WriteNumber("cache_misses", s.CacheMisses);
        WriteNumberOrNull(w, "cache_hit_ratio", s.CacheHitRatio);
        w.WriteNumber("io_operations", s.IoOperations);
        w.WriteNumber("network_calls", s.NetworkCalls);
        w.WriteNumber("exceptions", s.Exceptions);
        w.WriteStartObject("gc_collections");
        for (int g = 0; g < s.GcCollections.Count; g++)
        {
            w.WriteNumber(GenerationName(g), s.GcCollections[g]);
        }
        w.WriteEndObject();
        WriteCounts(w, "error_types", s.ErrorTypes);
        WriteCounts(w, "custom_counters_total", s.CustomCountersTotal);
        w.WriteEndObject();
    }

    public static void WriteDistribution(Utf8JsonWriter w, string name, DistributionSummary d)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", d.Count);
        WriteNumberOrNull(w, "min", d.Min);
        WriteNumberOrNull(w, "max", d.Max);
        WriteNumberOrNull(w, "mean", d.Mean);
        WriteNumberOrNull(w, "std", d.StdDev);
        WriteNumberOrNull(w, "median", d.Median);
        WriteNumberOrNull(w, "p95", d.P95);
        WriteNumberOrNull(w, "p99", d.P99);
        w.WriteNumber("total", d.Sum);
        w.WriteEndObject();
    }

    public static void WriteNumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteWindow(Utf8JsonWriter w, TimeSpan window)
    {
        if (window > TimeSpan.Zero && window != TimeSpan.MaxValue)
        {
            w.WriteNumber("window_seconds", window.TotalSeconds);
        }
        else
        {
            w.WriteNull("window_seconds");
        }
    }

    private static void WriteCounts(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> counts)
    {
        w.WriteStartObject(name);
        foreach (var (key, value) in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(key, value);
        }
        w.WriteEndObject();
    }

    private static string GenerationName(int generation) => generation switch
    {
        0 => "gen0",
        1 => "gen1",
        _ => "gen2",
    };
}
