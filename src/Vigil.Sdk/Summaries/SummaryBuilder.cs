using System.Buffers;
using Vigil.Sdk.Profiling;

namespace Vigil.Sdk.Summaries;

/// <summary>Computes a <see cref="ToolPerformanceSummary"/> from stored runs.</summary>
internal static class SummaryBuilder
{
    public static ToolPerformanceSummary? Build(string tool, TimeSpan window, ReadOnlySpan<ToolRun> runs, IReadOnlyDictionary<string, long> customTotals)
    {
        if (runs.IsEmpty)
        {
            return null;
        }
        double[] buffer = ArrayPool<double>.Shared.Rent(runs.Length);
        try
        {
            var values = buffer.AsSpan(0, runs.Length);
            long successes = 0, failures = 0, cancelled = 0, hits = 0, misses = 0, io = 0, network = 0, exceptions = 0, gen0 = 0, gen1 = 0, gen2 = 0;
            long first = long.MaxValue, last = long.MinValue;
            var errors = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (ref readonly var r in runs)
            {
                switch (r.Outcome)
                {
                    case ToolOutcome.Success:
                        successes++;
                        break;
                    case ToolOutcome.Failure:
                        failures++;
                        string type = r.ErrorType ?? "error";
                        errors[type] = errors.GetValueOrDefault(type) + 1;
                        break;
                    default:
                        cancelled++;
                        break;
                }
                hits += r.CacheHits;
                misses += r.CacheMisses;
                io += r.IoOperations;
                network += r.NetworkCalls;
                exceptions += Math.Max(0, r.Exceptions);
                gen0 += r.Gen0Collections;
                gen1 += r.Gen1Collections;
                gen2 += r.Gen2Collections;
                first = Math.Min(first, r.TimestampMs);
                last = Math.Max(last, r.TimestampMs);
            }

            int n = 0;
            foreach (ref readonly var r in runs)
            {
                values[n++] = r.DurationSeconds;
            }
            var duration = DistributionSummary.OfSortedInPlace(values[..n]);
            n = 0;
            foreach (ref readonly var r in runs)
            {
                if (!double.IsNaN(r.CpuSeconds))
                {
                    values[n++] = r.CpuSeconds;
                }
            }
            var cpu = DistributionSummary.OfSortedInPlace(values[..n]);
            n = 0;
            foreach (ref readonly var r in runs)
            {
                if (r.AllocatedBytes >= 0)
                {
                    values[n++] = r.AllocatedBytes;
                }
            }
            var allocated = DistributionSummary.OfSortedInPlace(values[..n]);

            return new ToolPerformanceSummary
            {
                Tool = tool,
                Window = window,
                FirstRunMs = first,
                LastRunMs = last,
                TotalExecutions = runs.Length,
                Successes = successes,
                Failures = failures,
                Cancellations = cancelled,
                ErrorRate = failures / (double)runs.Length,
                Duration = duration,
                CpuTime = cpu,
                AllocatedBytes = allocated,
                CacheHits = hits,
                CacheMisses = misses,
                CacheHitRatio = hits + misses == 0 ? double.NaN : hits / (double)(hits + misses),
                IoOperations = io,
                NetworkCalls = network,
                Exceptions = exceptions,
                GcCollections = [gen0, gen1, gen2],
                ErrorTypes = errors,
                CustomCountersTotal = customTotals,
            };
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }
}
