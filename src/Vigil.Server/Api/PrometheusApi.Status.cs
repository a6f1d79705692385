using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;

namespace Vigil.Server.Api;

/// <summary>The build information endpoint, <c>/api/v1/status/buildinfo</c>.</summary>
internal sealed partial class PrometheusApi
{
    /// <summary>
    /// The Prometheus version whose query API and PromQL semantics Vigil implements. Note: Grafana enables features
    /// (label match API, metadata, format query) by comparing this version, so it must be a Prometheus version.
    /// </summary>
    internal const string CompatiblePrometheusVersion = "3.0.0";

    public Task BuildInfoAsync(HttpContext ctx) => RunAsync(ctx, BuildInfoCoreAsync);

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
            // Note: as Prometheus's revision, the source commit (the part after '+' of Vigil's informational version).
            int plus = vigilVersion.IndexOf('+', StringComparison.Ordinal);
            w.WriteString("revision"u8, plus >= 0 ? vigilVersion[(plus + 1)..] : string.Empty);
            w.WriteString("branch"u8, string.Empty);
            w.WriteString("buildUser"u8, string.Empty);
            w.WriteString("buildDate"u8, string.Empty);
            w.WriteString("goVersion"u8, RuntimeInformation.FrameworkDescription);
            w.WriteString("application"u8, "Vigil");
            w.WriteString("vigilVersion"u8, plus >= 0 ? vigilVersion[..plus] : vigilVersion);
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }
}
