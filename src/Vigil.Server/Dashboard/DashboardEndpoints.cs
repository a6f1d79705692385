using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Vigil.Server.Hosting;
using Vigil.Server.Security;

namespace Vigil.Server.Dashboard;

/// <summary>
/// Serves the web dashboard: its page at <c>/</c> and at each client-side route (<c>/explore</c>, <c>/alerts</c>…), and
/// its scripts and styles under <c>/assets/</c>. Everything comes from the assembly; nothing is fetched at run time.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>The dashboard's routes besides <c>/</c>; each serves the same page, which renders the route itself.</summary>
    public static readonly string[] Pages = ["/explore", "/alerts", "/rules", "/targets", "/tools", "/insights", "/optimizations", "/profiles", "/status"];

    // Note: the page needs inline style attributes (chart sizes, meters) but never inline or remote scripts.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /// <summary>
    /// The dashboard's routes (all need the read scope). <paramref name="plainIndex"/> answers <c>/</c> for clients
    /// that do not ask for HTML (curl, scripts), so they still get the list of endpoints.
    /// </summary>
    public static IEnumerable<Route> Routes(RequestDelegate plainIndex)
    {
        var assets = DashboardAssets.Instance;
        yield return new Route(Route.GetHead, "/", AccessScope.Read, ctx => WantsHtml(ctx.Request) ? SendPageAsync(ctx, assets) : plainIndex(ctx),
            "the dashboard (the list of endpoints for non-browsers)");
        foreach (string page in Pages)
        {
            yield return new Route(Route.GetHead, page, AccessScope.Read, ctx => SendPageAsync(ctx, assets), "a dashboard page");
        }
        yield return new Route(Route.GetHead, "/assets/{file}", AccessScope.Read, ctx =>
        {
            string file = (string)ctx.Request.RouteValues["file"]!;
            if (file == "index.html" || !assets.TryGet(file, out var asset))
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return SendAsync(ctx, asset);
        }, "the dashboard's scripts and styles");
    }

    private static bool WantsHtml(HttpRequest request)
    {
        foreach (var accept in request.GetTypedHeaders().Accept)
        {
            if (accept.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static Task SendPageAsync(HttpContext ctx, DashboardAssets assets)
    {
        assets.TryGet("index.html", out var page);
        ctx.Response.Headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        ctx.Response.Headers[HeaderNames.XFrameOptions] = "DENY";
        return SendAsync(ctx, page);
    }

    private static async Task SendAsync(HttpContext ctx, DashboardAsset asset)
    {
        var headers = ctx.Response.Headers;
        // Note: revalidate every time; with the ETag a browser re-downloads only after an upgrade.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        headers.Vary = HeaderNames.AcceptEncoding;
        if (ctx.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            ctx.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        byte[] body = asset.Content;
        if (asset.Gzipped is not null && AcceptsGzip(ctx.Request))
        {
            body = asset.Gzipped;
            headers.ContentEncoding = "gzip";
        }
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = asset.ContentType;
        ctx.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(ctx.Request.Method))
        {
            await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    private static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var encoding in request.GetTypedHeaders().AcceptEncoding)
        {
            if (encoding.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && encoding.Quality is not 0)
            {
                return true;
            }
        }
        return false;
    }
}
