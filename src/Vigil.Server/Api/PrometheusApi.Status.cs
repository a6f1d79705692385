using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;

namespace Vigil.Server.Api;

/// <summary>The status endpoints: <c>/api/v1/status/buildinfo</c> and <c>/api/v1/metadata</c>.</summary>
internal sealed partial class PrometheusApi
{
    /// <summary>
    /// The Prometheus version whose query API and PromQL semantics Vigil implements. Note: Grafana enables features
    /// (label match API, metadata, format query) by comparing this version, so it must be a Prometheus version.
    /// </summary>
    internal const string CompatiblePrometheusVersion = "3.0.0";

    public Task BuildInfoAsync(HttpContext ctx) => RunAsync(ctx, BuildInfoCoreAsync);

    public Task MetadataAsync(HttpContext ctx) => RunAsync(ctx, MetadataCoreAsync);

    private static async Task BuildInfoCoreAsync(HttpContext ctx, RequestParameters p)
    {
        var assembly = typeof(PrometheusApi).Assembly;
        string vigilVersion = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            w.WriteString("version"u8, CompatiblePrometheusVersion);
            w.WriteString("revision"u8, vigilVersion);
            w.WriteString("branch"u8, string.Empty);
            w.WriteString("buildUser"u8, string.Empty);
            w.WriteString("buildDate"u8, string.Empty);
            w.WriteString("goVersion"u8, RuntimeInformation.FrameworkDescription);
            w.WriteString("application"u8, "Vigil");
            w.WriteString("vigilVersion"u8, vigilVersion);
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    /// <summary>Metric metadata as Prometheus lists it: <c>{"name":[{"type":...,"help":...,"unit":...}]}</c>.</summary>
    private async Task MetadataCoreAsync(HttpContext ctx, RequestParameters p)
    {
        int limit = ParseMetadataLimit(p, "limit");
        int limitPerMetric = ParseMetadataLimit(p, "limit_per_metric");
        var families = _metadata.Snapshot(p.Get("metric"));
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            int n = 0;
            foreach (var (name, entries) in families)
            {
                if (limit >= 0 && n == limit)
                {
                    break;
                }
                n++;
                w.WriteStartArray(name);
                int count = limitPerMetric > 0 ? Math.Min(limitPerMetric, entries.Count) : entries.Count;
                for (int i = 0; i < count; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("type"u8, entries[i].Type);
                    w.WriteString("help"u8, entries[i].Help);
                    w.WriteString("unit"u8, entries[i].Unit);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    /// <summary>A metadata limit: -1 (none) when absent; any integer otherwise, as Prometheus accepts it.</summary>
    private static int ParseMetadataLimit(RequestParameters p, string name)
    {
        string? text = p.Get(name);
        if (text is null)
        {
            return -1;
        }
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw ApiException.BadData(name + " must be a number");
    }
}
