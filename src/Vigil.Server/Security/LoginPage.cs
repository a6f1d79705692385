using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Vigil.Server.Security;

/// <summary>
/// Signing in to the dashboard. With basic-auth users the browser's own prompt does it (the 401 asks for
/// <c>Basic</c>); with bearer tokens a browser shows this page's form, which posts the token to <c>/-/login</c>, where
/// it is checked and kept in an HttpOnly, SameSite=Strict cookie that the server accepts like the Authorization header.
/// </summary>
internal static class LoginPage
{
    /// <summary>True for a browser loading a page (GET or HEAD asking for HTML): it gets the form instead of JSON.</summary>
    public static bool Wanted(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }
        foreach (var accept in request.GetTypedHeaders().Accept)
        {
            if (accept.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Answers 401 with the sign-in page; <paramref name="error"/> says why a previous attempt failed, and
    /// <paramref name="next"/> is where to go after signing in (the page asked for, by default).
    /// </summary>
    public static Task WriteAsync(HttpContext ctx, WebConfig config, string? error, string? next = null)
    {
        next ??= ctx.Request.Path.Value is { Length: > 0 } p ? p + ctx.Request.QueryString : "/";
        string tokenForm = config.BearerTokens.Count == 0 ? string.Empty : $"""
            <form method="post" action="/-/login">
              <label>Bearer token <input type="password" name="token" autocomplete="current-password" autofocus required></label>
              <input type="hidden" name="next" value="{WebUtility.HtmlEncode(next)}">
              <button type="submit">Sign in</button>
            </form>
            """;
        string basic = config.Users.Count == 0 ? string.Empty
            : "<p>Sign in with your user name and password in the browser's prompt (reload the page if you closed it).</p>";
        string message = error is null ? string.Empty : $"<p class=\"error\">{WebUtility.HtmlEncode(error)}</p>";
        string html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Vigil: sign in</title>
            <style>body{"{"}font:15px system-ui,sans-serif;margin:4rem auto;max-width:28rem{"}"}input{"{"}display:block;width:100%;margin:.4rem 0 1rem{"}"}.error{"{"}color:#b00{"}"}</style>
            </head><body><h1>Vigil</h1>{message}{basic}{tokenForm}</body></html>
            """;
        ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        ctx.Response.Headers[HeaderNames.ContentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        ctx.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(ctx.Request.Method) ? Task.CompletedTask : ctx.Response.WriteAsync(html, ctx.RequestAborted);
    }

    /// <summary><c>POST /-/login</c>: checks the token from the form; sets the cookie and redirects to the page asked for, or shows the form again.</summary>
    public static async Task LoginAsync(HttpContext ctx, WebAccess access)
    {
        var config = access.Current();
        var form = ctx.Request.HasFormContentType ? await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false) : FormCollection.Empty;
        string token = form["token"].ToString().Trim();
        if (WebAccess.Token(token, config) is null)
        {
            await WriteAsync(ctx, config, "That token is not valid.", LocalPath(form["next"].ToString())).ConfigureAwait(false);
            return;
        }
        ctx.Response.Cookies.Append(WebAccess.TokenCookie, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict,
            Secure = ctx.Request.IsHttps,
            Path = "/",
        });
        ctx.Response.StatusCode = StatusCodes.Status303SeeOther;
        ctx.Response.Headers.Location = LocalPath(form["next"].ToString());
    }

    /// <summary><c>POST /-/logout</c>: forgets the cookie and goes back to the start page.</summary>
    public static Task LogoutAsync(HttpContext ctx)
    {
        ctx.Response.Cookies.Delete(WebAccess.TokenCookie, new CookieOptions { Path = "/", Secure = ctx.Request.IsHttps, HttpOnly = true, SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict });
        ctx.Response.StatusCode = StatusCodes.Status303SeeOther;
        ctx.Response.Headers.Location = "/";
        return Task.CompletedTask;
    }

    /// <summary>Only a path on this server may be the redirect target (no <c>//host</c>, no scheme).</summary>
    private static string LocalPath(string next)
        => next.StartsWith('/') && !next.StartsWith("//", StringComparison.Ordinal) && !next.StartsWith("/\\", StringComparison.Ordinal) ? next : "/";
}
