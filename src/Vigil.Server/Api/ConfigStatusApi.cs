using Microsoft.AspNetCore.Http;

namespace Vigil.Server.Api;

/// <summary><c>/api/v1/status/config</c>: the configuration in force (the last one loaded), secrets hidden, as <c>{"yaml": "..."}</c>.</summary>
internal sealed class ConfigStatusApi(Func<string?> configYaml)
{
    /// <summary>Shown when the server runs from flags and defaults only.</summary>
    public const string NoFile = "# vigil serve was started without a configuration file (--config): flags and defaults only.\n";

    public async Task ConfigAsync(HttpContext ctx)
    {
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            w.WriteString("yaml"u8, configYaml() ?? NoFile);
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }
}
