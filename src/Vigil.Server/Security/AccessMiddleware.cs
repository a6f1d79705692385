using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Vigil.Server.Api;
using Vigil.Server.Hosting;

namespace Vigil.Server.Security;

/// <summary>
/// Runs before every route: adds the configured response headers, refuses foreign Host names (DNS rebinding),
/// requests over the rate limit and cross-site state changes (CSRF), then authenticates the caller and checks the
/// route's <see cref="RouteScope"/>: 401 without valid credentials, 403 without the scope. Refusals are counted by
/// reason in <c>vigil_http_auth_failures_total</c>.
/// </summary>
internal sealed class AccessMiddleware(WebAccess access, bool loopbackListener, IReadOnlyList<string> allowedHosts, Counter<long> failures, ILogger logger)
{
    public async Task InvokeAsync(HttpContext ctx, RequestDelegate next)
    {
        var config = access.Current();
        foreach (var (name, value) in config.Headers)
        {
            ctx.Response.Headers[name] = value;
        }
        if (BrowserGuard.HostRefusal(ctx.Request.Host, loopbackListener, allowedHosts) is { } badHost)
        {
            await RefuseAsync(ctx, "host_not_allowed", new ApiException("forbidden", badHost, StatusCodes.Status403Forbidden)).ConfigureAwait(false);
            return;
        }
        if (!access.TryAcquire())
        {
            await RefuseAsync(ctx, "rate_limited", new ApiException("unavailable", "too many requests: the web configuration's rate_limit was exceeded",
                StatusCodes.Status429TooManyRequests)).ConfigureAwait(false);
            return;
        }
        if (BrowserGuard.CrossSiteRefusal(ctx.Request) is { } crossSite)
        {
            await RefuseAsync(ctx, "cross_origin", new ApiException("forbidden", crossSite, StatusCodes.Status403Forbidden)).ConfigureAwait(false);
            return;
        }
        // Note: a path no route matches still needs read access, so unauthenticated callers learn nothing from 404s.
        var needed = ctx.GetEndpoint()?.Metadata.GetMetadata<RouteScope>()?.Scope ?? AccessScope.Read;
        if (needed == AccessScope.Public)
        {
            await next(ctx).ConfigureAwait(false);
            return;
        }
        var caller = access.Authenticate(ctx.Request, config);
        if (caller is null)
        {
            logger.LogDebug("Refused {Method} {Path} from {Remote}: no valid credentials", ctx.Request.Method, ctx.Request.Path.Value, ctx.Connection.RemoteIpAddress);
            ctx.Response.Headers.WWWAuthenticate = config.Users.Count > 0 ? "Basic realm=\"Vigil\"" : "Bearer realm=\"Vigil\"";
            if (LoginPage.Wanted(ctx.Request))
            {
                failures.Add(1, new KeyValuePair<string, object?>("reason", "unauthorized"));
                await LoginPage.WriteAsync(ctx, config, null).ConfigureAwait(false);
                return;
            }
            await RefuseAsync(ctx, "unauthorized", new ApiException("unauthorized",
                config.Users.Count > 0 ? "authentication required: send a user name and password (basic auth) or a bearer token" : "authentication required: send a bearer token (Authorization: Bearer ...)",
                StatusCodes.Status401Unauthorized)).ConfigureAwait(false);
            return;
        }
        if (!caller.Scope.Allows(needed))
        {
            logger.LogDebug("Refused {Method} {Path} to {Caller}: needs {Needed}, has {Scope}", ctx.Request.Method, ctx.Request.Path.Value, caller.Name, needed, caller.Scope);
            await RefuseAsync(ctx, "forbidden", new ApiException("forbidden",
                $"{caller.Name} may {caller.Scope.Name()}, but {ctx.Request.Method} {ctx.Request.Path.Value} needs the {needed.Name()} scope",
                StatusCodes.Status403Forbidden)).ConfigureAwait(false);
            return;
        }
        caller.Attach(ctx);
        await next(ctx).ConfigureAwait(false);
    }

    private async Task RefuseAsync(HttpContext ctx, string reason, ApiException error)
    {
        failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (error.StatusCode == StatusCodes.Status429TooManyRequests)
        {
            ctx.Response.Headers[HeaderNames.RetryAfter] = "1";
        }
        await ApiJson.WriteErrorAsync(ctx, error).ConfigureAwait(false);
    }
}
