using System.Text.Json;
using Vigil.Core.Model;
using Vigil.Sdk.Summaries;

namespace Vigil.Sdk.Anomaly;

/// <summary>Writes baselines, tool statuses and anomaly reports as JSON (snake_case, like the summaries; non-finite numbers as <c>null</c>).</summary>
internal static class AnomalyJson
{
    /// <summary><c>GET /vigil/tools/{tool}/baseline</c>: the baseline and what watching has seen of the tool.</summary>
    public static void WriteBaseline(Utf8JsonWriter w, ToolBaseline baseline, ToolAnomalyStatus? status)
    {
        w.WriteStartObject();
        w.WriteString("tool_name", baseline.Tool);
        w.WriteNumber("trained_at", Timestamp.ToSeconds(baseline.TrainedAtMs));
        w.WriteNumber("training_runs", baseline.TrainingRuns);
        SummaryJson.WriteNumberOrNull(w, "score_threshold", baseline.ScoreThreshold);
        w.WriteStartArray("features");
        foreach (var f in baseline.Features)
        {
            w.WriteStartObject();
            w.WriteString("feature", FeatureName(f.Feature));
            w.WriteNumber("samples", f.Samples);
            SummaryJson.WriteNumberOrNull(w, "mean", f.Mean);
            SummaryJson.WriteNumberOrNull(w, "std", f.StdDev);
            SummaryJson.WriteNumberOrNull(w, "p50", f.P50);
            SummaryJson.WriteNumberOrNull(w, "p95", f.P95);
            SummaryJson.WriteNumberOrNull(w, "p99", f.P99);
            SummaryJson.WriteNumberOrNull(w, "warning_threshold", f.Warning);
            SummaryJson.WriteNumberOrNull(w, "critical_threshold", f.Critical);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (status is null)
        {
            w.WriteNull("latest");
        }
        else
        {
            w.WriteStartObject("latest");
            w.WriteNumber("checked_runs", status.Checks);
            w.WriteNumber("checked_at", Timestamp.ToSeconds(status.LastCheckedMs));
            SummaryJson.WriteNumberOrNull(w, "score", status.LastScore);
            w.WriteBoolean("is_anomaly", status.LastIsAnomaly);
            w.WriteString("severity", ToolAnomalyDetector.SeverityWord(status.LastSeverity));
            w.WriteStartObject("anomalies");
            for (int i = 0; i < status.Anomalies.Count; i++)
            {
                w.WriteNumber(ToolAnomalyDetector.SeverityWord((AnomalySeverity)i), status.Anomalies[i]);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary><c>GET /vigil/anomalies</c>: the anomalies found in the window, newest first.</summary>
    public static void WriteAnomalies(Utf8JsonWriter w, TimeSpan window, IReadOnlyList<DetectedAnomaly> anomalies)
    {
        w.WriteStartObject();
        w.WriteNumber("window_seconds", window.TotalSeconds);
        w.WriteStartArray("anomalies");
        for (int i = anomalies.Count - 1; i >= 0; i--)
        {
            var (timestampMs, r) = anomalies[i];
            w.WriteStartObject();
            w.WriteString("tool_name", r.Tool);
            w.WriteNumber("timestamp", Timestamp.ToSeconds(timestampMs));
            SummaryJson.WriteNumberOrNull(w, "score", r.Score);
            SummaryJson.WriteNumberOrNull(w, "score_threshold", r.ScoreThreshold);
            w.WriteString("severity", ToolAnomalyDetector.SeverityWord(r.Severity));
            w.WriteStartArray("deviations");
            foreach (var d in r.Deviations)
            {
                w.WriteStartObject();
                w.WriteString("feature", FeatureName(d.Feature));
                SummaryJson.WriteNumberOrNull(w, "value", d.Value);
                SummaryJson.WriteNumberOrNull(w, "baseline_mean", d.BaselineMean);
                SummaryJson.WriteNumberOrNull(w, "z_score", d.ZScore);
                w.WriteString("direction", d.Direction == DeviationDirection.Increase ? "increase" : "decrease");
                w.WriteString("severity", ToolAnomalyDetector.SeverityWord(d.Severity));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("recommendations");
            foreach (string text in r.Recommendations)
            {
                w.WriteStringValue(text);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The feature's name in JSON and labels: duration, cpu_time, allocated_bytes, errors, cache_hits, cache_misses.</summary>
    public static string FeatureName(ToolFeature feature) => feature switch
    {
        ToolFeature.Duration => "duration",
        ToolFeature.CpuTime => "cpu_time",
        ToolFeature.AllocatedBytes => "allocated_bytes",
        ToolFeature.Errors => "errors",
        ToolFeature.CacheHits => "cache_hits",
        _ => "cache_misses",
    };
}
