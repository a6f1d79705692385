using System.Globalization;
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

    private static readonly string[] Engines = ["trend", "bottleneck", "anomaly", "capacity"];

    public async Task ListAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        int limit = DefaultLimit;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit <= 0))
        {
            throw ApiException.InvalidParameter("limit", $"\"{l}\" is not a positive integer");
        }
        var states = Parse<InsightState>(q["state"].ToString(), "state");
        var types = Parse<InsightType>(q["type"].ToString(), "type");
        var severities = Parse<InsightSeverity>(q["severity"].ToString(), "severity");
        var engines = new HashSet<string>(StringComparer.Ordinal);
        foreach (string part in Split(q["engine"].ToString()))
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
        w.WriteStartArray("insights");
        int written = 0;
        foreach (var i in all)
        {
            if ((states.Count > 0 && !states.Contains(i.State)) || (types.Count > 0 && !types.Contains(i.Type))
                || (severities.Count > 0 && !severities.Contains(i.Severity)) || (engines.Count > 0 && !engines.Contains(i.Engine)))
            {
                continue;
            }
            if (written++ == limit)
            {
                break;
            }
            JsonSerializer.Serialize(w, i, InsightJson.Writer.PerformanceInsight);
            await ApiJson.MaybeFlushAsync(ctx, w).ConfigureAwait(false);
        }
        w.WriteEndArray();
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

    private static HashSet<T> Parse<T>(string text, string parameter)
        where T : struct, Enum
    {
        var result = new HashSet<T>();
        foreach (string part in Split(text))
        {
            if (!Enum.TryParse<T>(part, ignoreCase: true, out var v) || int.TryParse(part, CultureInfo.InvariantCulture, out _))
            {
                throw ApiException.InvalidParameter(parameter, $"\"{part}\" is not one of {string.Join(", ", Enum.GetNames<T>())}");
            }
            result.Add(v);
        }
        return result;
    }

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
