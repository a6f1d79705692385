using Microsoft.AspNetCore.Http;
using Vigil.Server.Api;

namespace Vigil.Server.Security;

/// <summary>
/// <c>/api/v1/status/security</c>: whether TLS and authentication are on, who the caller is and what they may do, and
/// warnings such as a listener open to everyone (<c>--web.insecure-listen</c>), shown on the dashboard's Status page.
/// </summary>
internal sealed class SecurityStatusApi(WebAccess access, VigilServerOptions options)
{
    public async Task StatusAsync(HttpContext ctx)
    {
        var config = access.Current();
        var caller = Caller.Of(ctx) ?? Caller.Anonymous;
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartObject("data");
        w.WriteString("listen", options.Listen.ToString());
        w.WriteBoolean("tls", config.Tls is not null);
        w.WriteStartArray("authentication");
        if (config.Users.Count > 0)
        {
            w.WriteStringValue("basic auth");
        }
        if (config.BearerTokens.Count > 0)
        {
            w.WriteStringValue("bearer token");
        }
        if (config.VerifiesClientCertificates)
        {
            w.WriteStringValue("client certificate");
        }
        w.WriteEndArray();
        w.WriteBoolean("insecureListen", Warning(options, config) is not null);
        w.WriteStartObject("caller");
        w.WriteString("name", caller.Name);
        w.WriteString("scope", caller.Scope.Name());
        w.WriteString("method", caller.Method);
        w.WriteEndObject();
        w.WriteBoolean("webConfigReloadSuccessful", access.LastReloadSuccessful);
        w.WriteEndObject();
        string? warning = Warning(options, config);
        await ApiJson.EndSuccessAsync(ctx, w, warning is null ? [] : [warning]).ConfigureAwait(false);
    }

    /// <summary>The warning for a listener beyond loopback that serves everyone, or null.</summary>
    public static string? Warning(VigilServerOptions options, WebConfig config)
        => !options.Listen.IsLoopback && !config.RequiresAuthentication
            ? $"Vigil listens on {options.Listen} without authentication (--web.insecure-listen): anyone who can reach it may read, push, reload and approve optimizations. Give --web.config.file with basic_auth_users or bearer_tokens."
            : null;
}
