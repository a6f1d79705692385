using System.Globalization;
using Microsoft.AspNetCore.Http;
using Vigil.Core.Model;

namespace Vigil.Server.Api;

/// <summary>
/// <c>/api/v1/status/runtimeinfo</c> and <c>/api/v1/status/flags</c> in Prometheus's shapes, so tools written for
/// Prometheus (Grafana, promtool-style scripts) read them. Go's runtime fields carry their .NET counterparts:
/// <c>goroutineCount</c> is the process's thread count and <c>GOMAXPROCS</c> the processors available.
/// </summary>
/// <param name="startTime">When the server started.</param>
/// <param name="reloadSuccessful">Whether the last configuration reload succeeded.</param>
/// <param name="lastConfigTime">When the configuration in force was loaded.</param>
/// <param name="options">The server's options: its flags and retention.</param>
/// <param name="clock">The server's clock, for the reported times.</param>
internal sealed class RuntimeStatusApi(DateTimeOffset startTime, Func<bool> reloadSuccessful, Func<DateTimeOffset> lastConfigTime,
    VigilServerOptions options, TimeProvider clock)
{
    public async Task RuntimeInfoAsync(HttpContext ctx)
    {
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            w.WriteString("startTime"u8, Rfc3339(startTime));
            w.WriteString("CWD"u8, Environment.CurrentDirectory);
            w.WriteString("hostname"u8, Environment.MachineName);
            w.WriteString("serverTime"u8, Rfc3339(clock.GetUtcNow()));
            w.WriteBoolean("reloadConfigSuccess"u8, reloadSuccessful());
            w.WriteString("lastConfigTime"u8, Rfc3339(lastConfigTime()));
            using (var process = System.Diagnostics.Process.GetCurrentProcess())
            {
                w.WriteNumber("goroutineCount"u8, process.Threads.Count);
            }
            w.WriteNumber("GOMAXPROCS"u8, Environment.ProcessorCount);
            w.WriteString("storageRetention"u8, options.StorageRetention is { } r
                ? (r == TimeSpan.Zero ? "forever" : PrometheusDuration.Format(r))
                : string.Empty);
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    public async Task FlagsAsync(HttpContext ctx)
    {
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            foreach (var (name, value) in options.Flags.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                w.WriteString(name, value);
            }
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    private static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
