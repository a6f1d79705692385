
namespace Vigil.Analysis.Insights;

/// <summary>
/// Finds the latency, error and saturation series worth watching from the metric names present (by Prometheus and
/// OpenTelemetry naming conventions), plus the configured <c>trend.queries</c>. Every kind is "higher is worse".
/// </summary>
internal static class WatchedQueries
{
    /// <summary>Latency, errors or saturation.</summary>
    public const string Latency = "latency";

    /// <summary>Error rates.</summary>
    public const string Errors = "errors";

    /// <summary>Queues, waits, load.</summary>
    public const string Saturation = "saturation";

    private static readonly string[] LatencyWords = ["duration", "latency", "response_time"];
    private static readonly string[] ErrorWords = ["error", "errors", "failed", "failure", "failures", "exceptions"];
    private static readonly string[] SaturationWords = ["queue", "pending", "waiting", "saturation", "backlog"];

    /// <summary>The queries for the names present, then the configured ones; at most <paramref name="limit"/> of each kind.</summary>
    public static List<AnalysisQueryConfig> Discover(IReadOnlyList<string> names, AnalysisInsightsConfig config, int limit = 50)
    {
        var present = new HashSet<string>(names, StringComparer.Ordinal);
        var result = new List<AnalysisQueryConfig>();
        int latency = 0, errors = 0, saturation = 0;
        foreach (string name in names)
        {
            if (AnomalyScorer.Excluded(name) && !name.EndsWith("_bucket", StringComparison.Ordinal))
            {
                continue;
            }
            string[] words = name.Split('_');
            if (name.EndsWith("_bucket", StringComparison.Ordinal))
            {
                string base_ = name[..^"_bucket".Length];
                if (HasWord(words, LatencyWords) && latency < limit)
                {
                    latency++;
                    result.Add(new(base_ + " p95", Latency, $"histogram_quantile(0.95, sum by (le, job, instance) (rate({name}[5m])))"));
                }
                continue;
            }
            if (name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_created", StringComparison.Ordinal))
            {
                continue;
            }
            bool counter = name.EndsWith("_total", StringComparison.Ordinal);
            if (HasWord(words, LatencyWords) && !counter && !present.Contains(name + "_bucket") && latency < limit)
            {
                // Note: summaries (the dotnet collector's histograms) carry quantiles; the highest one stands for the tail.
                latency++;
                result.Add(new(name, Latency, $"max without (quantile) ({name})"));
            }
            else if (HasWord(words, ErrorWords) && counter && errors < limit)
            {
                errors++;
                result.Add(new(name + " rate", Errors, $"sum by (job, instance) (rate({name}[5m]))"));
            }
            else if ((HasWord(words, SaturationWords) || name == "node_load1") && saturation < limit)
            {
                saturation++;
                result.Add(counter
                    ? new(name + " rate", Saturation, $"sum by (job, instance) (rate({name}[5m]))")
                    : new(name, Saturation, $"sum by (job, instance) ({name})"));
            }
        }
        result.AddRange(config.TrendQueries);
        return result;
    }

    /// <summary>Whether a watched series (by its name as Discover gives it) is one of Vigil's own (<c>vigil_*</c>).</summary>
    public static bool IsSelf(string name) => name.StartsWith("vigil_", StringComparison.Ordinal);

    private static bool HasWord(string[] words, string[] wanted)
    {
        foreach (string w in words)
        {
            if (Array.IndexOf(wanted, w) >= 0)
            {
                return true;
            }
        }
        // Note: multi-word terms such as response_time are matched on the joined name.
        string joined = string.Join('_', words);
        foreach (string phrase in wanted)
        {
            if (phrase.Contains('_', StringComparison.Ordinal) && joined.Contains(phrase, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
