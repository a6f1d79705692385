using Vigil.Analysis.Insights;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.Decider;

/// <summary>
/// Active analysis insights as signals: type = the insight type (e.g. <c>BottleneckDetected</c>), severity = its
/// severity in lower case, labels = the insight's labels (e.g. <c>resource</c>, <c>instance</c>) plus <c>engine</c>,
/// value = its confidence. A policy matches them with <c>match: { insight: TYPE, severity: [...], matchers: [...] }</c>.
/// </summary>
internal sealed class InsightSignalSource(Func<AnalysisService?> analysis) : IOptimizationSignalSource
{
    /// <inheritdoc />
    public IReadOnlyList<OptimizationSignal> ActiveSignals()
    {
        if (analysis() is not { } service)
        {
            return [];
        }
        var result = new List<OptimizationSignal>();
        foreach (var insight in service.Store.Active())
        {
            var labels = new Dictionary<string, string>(insight.Labels, StringComparer.Ordinal)
            {
                ["engine"] = insight.Engine,
            };
            result.Add(new OptimizationSignal(
                OptimizationSignal.InsightSource,
                insight.Type.ToString(),
                insight.Severity.ToString().ToLowerInvariant(),
                labels,
                insight.Confidence,
                insight.StartsAt,
                insight.Description));
        }
        return result;
    }
}
