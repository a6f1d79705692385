using System.Globalization;

namespace Vigil.Sdk.Anomaly;

/// <summary>Plain-words advice for a run's deviations (the seed's <c>_generate_recommendations</c>, reasoning across features).</summary>
internal static class Recommendations
{
    public static List<string> For(IReadOnlyList<FeatureDeviation> deviations, bool forestAnomaly)
    {
        var advice = new List<string>();
        var byFeature = new Dictionary<ToolFeature, FeatureDeviation>();
        foreach (var d in deviations)
        {
            byFeature[d.Feature] = d;
        }
        bool Up(ToolFeature f) => byFeature.TryGetValue(f, out var d) && d.Direction == DeviationDirection.Increase;
        bool Down(ToolFeature f) => byFeature.TryGetValue(f, out var d) && d.Direction == DeviationDirection.Decrease;

        if (Up(ToolFeature.Duration))
        {
            var d = byFeature[ToolFeature.Duration];
            string how = $"Execution time is {Seconds(d.Value)} against a baseline of {Seconds(d.BaselineMean)}";
            if (Up(ToolFeature.CpuTime))
            {
                advice.Add($"{how}, and CPU time rose with it: the tool is computing more. Look for algorithmic changes or larger inputs, or give it more compute.");
            }
            else if (Up(ToolFeature.CacheMisses) || Down(ToolFeature.CacheHits))
            {
                advice.Add($"{how} while its cache misses rose: slow path work replaces cached answers. Check the cache (eviction, key changes, a cold start) before the tool itself.");
            }
            else
            {
                advice.Add($"{how} while CPU time stayed normal: the tool is waiting, not computing. Check the latency of its I/O and network dependencies, lock contention and connection-pool exhaustion.");
            }
        }
        else if (Up(ToolFeature.CpuTime))
        {
            var d = byFeature[ToolFeature.CpuTime];
            advice.Add($"CPU time is {Seconds(d.Value)} against a baseline of {Seconds(d.BaselineMean)}: optimize the compute-heavy operations or cache their results.");
        }
        if (Up(ToolFeature.AllocatedBytes))
        {
            var d = byFeature[ToolFeature.AllocatedBytes];
            advice.Add($"The run allocated {Bytes(d.Value)} against a baseline of {Bytes(d.BaselineMean)}: check for leaks and oversized buffers, and reuse buffers (ArrayPool, object pooling) or stream large data.");
        }
        if (Up(ToolFeature.Errors))
        {
            advice.Add("The run failed where the tool's baseline succeeds: check the quality of its input data and the health of its dependencies, and strengthen its error handling.");
        }
        if ((Up(ToolFeature.CacheMisses) || Down(ToolFeature.CacheHits)) && !Up(ToolFeature.Duration))
        {
            advice.Add("Cache misses rose (or hits fell) against the baseline: check eviction and cache size, changed keys, or a cold cache that needs warming.");
        }
        if (Down(ToolFeature.Duration))
        {
            advice.Add("Execution time is far below the baseline: if that was not an intended optimization, check that the tool still does all its work (early exits, empty results, skipped steps).");
        }
        if (advice.Count == 0 && forestAnomaly)
        {
            advice.Add("The combination of this run's metrics is unusual for the tool although none is beyond its warning threshold alone: compare its inputs and dependencies with recent runs.");
        }
        if (advice.Count == 0 && deviations.Count > 0)
        {
            advice.Add("Some metrics moved against the baseline in a direction that is usually harmless; keep monitoring.");
        }
        if (advice.Count == 0)
        {
            advice.Add("Performance is within the baseline; keep monitoring.");
        }
        return advice;
    }

    private static string Seconds(double s) => s switch
    {
        >= 1 => s.ToString("0.##", CultureInfo.InvariantCulture) + " s",
        >= 0.001 => (s * 1000).ToString("0.##", CultureInfo.InvariantCulture) + " ms",
        _ => (s * 1e6).ToString("0.##", CultureInfo.InvariantCulture) + " µs",
    };

    private static string Bytes(double b) => b switch
    {
        >= 1 << 30 => (b / (1 << 30)).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
        >= 1 << 20 => (b / (1 << 20)).ToString("0.##", CultureInfo.InvariantCulture) + " MiB",
        >= 1 << 10 => (b / (1 << 10)).ToString("0.##", CultureInfo.InvariantCulture) + " KiB",
        _ => b.ToString("0", CultureInfo.InvariantCulture) + " bytes",
    };
}
