using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Rules;

namespace Vigil.Server.Api;

/// <summary><c>/api/v1/rules</c> and <c>/api/v1/alerts</c> in Prometheus's JSON shapes.</summary>
internal sealed class RulesApi(Func<RuleManager?> rules)
{
    /// <summary>Go's <c>strconv.FormatFloat(v, 'e', -1, 64)</c>, the format of alert values in the API.</summary>
    public static string FormatValue(double v)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "+Inf" : "-Inf";
        }
        for (int digits = 0; digits <= 17; digits++)
        {
            string s = v.ToString("e" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (double.Parse(s, CultureInfo.InvariantCulture) == v || digits == 17)
            {
                int e = s.IndexOf('e', StringComparison.Ordinal);
                int exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return s[..e] + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
            }
        }
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    private static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteTime(Utf8JsonWriter w, string name, long? ms)
        => w.WriteString(name, ms is { } t ? Time(t) : "0001-01-01T00:00:00Z");

    public async Task RulesAsync(HttpContext ctx)
    {
        string? type = ctx.Request.Query["type"];
        if (type is not (null or "" or "alert" or "record"))
        {
            await ApiJson.WriteErrorAsync(ctx, new ApiException("bad_data", "invalid rule type: " + type, StatusCodes.Status400BadRequest)).ConfigureAwait(false);
            return;
        }
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartObject("data");
        w.WriteStartArray("groups");
        foreach (var g in rules()?.Groups ?? [])
        {
            w.WriteStartObject();
            w.WriteString("name", g.Name);
            w.WriteString("file", g.File);
            w.WriteStartArray("rules");
            foreach (var r in g.Rules)
            {
                if ((type == "alert" && r is not AlertingRule) || (type == "record" && r is not RecordingRule))
                {
                    continue;
                }
                w.WriteStartObject();
                if (r is AlertingRule ar)
                {
                    w.WriteString("state", ar.State switch { AlertState.Firing => "firing", AlertState.Pending => "pending", _ => "inactive" });
                    w.WriteString("name", ar.Name);
                    w.WriteString("query", ar.Query);
                    w.WriteNumber("duration", ar.For.TotalSeconds);
                    w.WriteNumber("keepFiringFor", ar.KeepFiringFor.TotalSeconds);
                    w.WritePropertyName("labels");
                    ApiJson.WriteLabels(w, ar.Labels);
                    w.WritePropertyName("annotations");
                    ApiJson.WriteLabels(w, ar.Annotations);
                    w.WriteStartArray("alerts");
                    foreach (var a in ar.ActiveAlerts().Where(a => a.State != AlertState.Inactive))
                    {
                        WriteAlert(w, a);
                    }
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteString("name", r.Name);
                    w.WriteString("query", r.Query);
                    w.WritePropertyName("labels");
                    ApiJson.WriteLabels(w, r.Labels);
                }
                w.WriteString("health", r.Health switch { RuleHealth.Ok => "ok", RuleHealth.Err => "err", _ => "unknown" });
                if (r.LastError is { } err)
                {
                    w.WriteString("lastError", err);
                }
                w.WriteNumber("evaluationTime", r.EvaluationDuration.TotalSeconds);
                WriteTime(w, "lastEvaluation", r.LastEvaluationMs);
                w.WriteString("type", r is AlertingRule ? "alerting" : "recording");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("interval", g.Interval.TotalSeconds);
            w.WriteNumber("limit", g.Limit);
            w.WriteNumber("evaluationTime", g.EvaluationDuration.TotalSeconds);
            WriteTime(w, "lastEvaluation", g.LastEvaluationMs);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    public async Task AlertsAsync(HttpContext ctx)
    {
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartObject("data");
        w.WriteStartArray("alerts");
        foreach (var (_, a) in rules()?.Alerts() ?? [])
        {
            WriteAlert(w, a);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    private static void WriteAlert(Utf8JsonWriter w, Alert a)
    {
        w.WriteStartObject();
        w.WritePropertyName("labels");
        ApiJson.WriteLabels(w, a.Labels);
        w.WritePropertyName("annotations");
        ApiJson.WriteLabels(w, a.Annotations);
        w.WriteString("state", a.State == AlertState.Firing ? "firing" : "pending");
        w.WriteString("activeAt", Time(a.ActiveAtMs));
        if (a.KeepFiringSinceMs is { } k)
        {
            w.WriteString("keepFiringSince", Time(k));
        }
        w.WriteString("value", FormatValue(a.Value));
        w.WriteEndObject();
    }
}
