using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Analysis.Insights;

namespace Vigil.Server.Api;

/// <summary>
/// <c>/api/v1/insights</c>: the analysis insights, active first, in the Prometheus API's envelope, filtered by
/// <c>state</c>, <c>type</c>, <c>severity</c> and <c>engine</c> (comma-separated lists, case-insensitive) and limited by
/// <c>limit</c>; <c>/api/v1/insights/{id}</c>: one insight.
/// </summary>
internal sealed class InsightsApi(Func<AnalysisService?> analysis)
{
    /// <summary>The most insights one answer holds unless <c>limit</c> says otherwise.</summary>
    public const int DefaultLimit = 500;

    private static readonly string[] Engines = ["trend", "bottleneck", "anomaly", "capacity", "optimizer"];

    public async Task ListAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        int limit = ListQuery.Limit(q, DefaultLimit);
        var states = ListQuery.Enums<InsightState>(q, "state");
        var types = ListQuery.Enums<InsightType>(q, "type");
        var severities = ListQuery.Enums<InsightSeverity>(q, "severity");
        var engines = new HashSet<string>(StringComparer.Ordinal);
        foreach (string part in ListQuery.Split(q["engine"].ToString()))
        {
            string e = part.ToLowerInvariant();
            if (Array.IndexOf(Engines, e) < 0)
            {
                throw ApiException.InvalidParameter("engine", $"\"{part}\" is not one of {string.Join(", ", Engines)}");
            }
            engines.Add(e);
        }
        var service = analysis();
        var all = service?.Store.All() ?? [];
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartObject("data");
        w.WriteBoolean("enabled", service is not null);
        await ListQuery.WriteArrayAsync(ctx, w, "insights", all, i => (states.Count == 0 || states.Contains(i.State)) && (types.Count == 0 || types.Contains(i.Type))
            && (severities.Count == 0 || severities.Contains(i.Severity)) && (engines.Count == 0 || engines.Contains(i.Engine)),
            limit, InsightJson.Writer.PerformanceInsight).ConfigureAwait(false);
        w.WriteEndObject();
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext ctx)
    {
        string id = (string)ctx.Request.RouteValues["id"]!;
        var insight = analysis()?.Store.Find(id)
            ?? throw new ApiException("not_found", $"no insight {id}", StatusCodes.Status404NotFound);
        var w = ApiJson.BeginSuccess(ctx);
        w.WritePropertyName("data");
        JsonSerializer.Serialize(w, insight, InsightJson.Writer.PerformanceInsight);
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }
}
