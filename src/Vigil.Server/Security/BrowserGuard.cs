using System.Net;
using Microsoft.AspNetCore.Http;

namespace Vigil.Server.Security;

/// <summary>
/// Protections for browsers pointed at Vigil: state-changing requests from another origin are refused (CSRF), and a
/// loopback listener answers only to loopback host names (DNS rebinding), unless more names are allowed.
/// </summary>
internal static class BrowserGuard
{
    /// <summary>
    /// Why a POST, PUT, DELETE or PATCH must be refused as cross-site, or null when it may proceed: a browser said it
    /// comes from another site (<c>Sec-Fetch-Site: cross-site</c>) or from another origin (<c>Origin</c> not this
    /// server). Requests without these headers (curl, SDKs, Prometheus) are not browsers' and proceed.
    /// </summary>
    public static string? CrossSiteRefusal(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return null;
        }
        string fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Equals("cross-site", StringComparison.OrdinalIgnoreCase))
        {
            return $"cross-site {request.Method} refused: a page on another site may not change this server (Sec-Fetch-Site: cross-site)";
        }
        string origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return null;
        }
        // Note: Origin and Host both leave out a default port, so their authorities compare as sent.
        if (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Authority.Equals(request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return $"cross-origin {request.Method} refused: Origin {origin} is not this server ({request.Host.Value}); a page on another origin may not change it";
    }

    /// <summary>
    /// Why the Host header must be refused, or null when it is acceptable: on a loopback listener only <c>localhost</c>
    /// and loopback addresses are, plus <paramref name="allowedHosts"/>; on other listeners any host is, unless
    /// <paramref name="allowedHosts"/> lists some.
    /// </summary>
    public static string? HostRefusal(HostString host, bool loopbackListener, IReadOnlyList<string> allowedHosts)
    {
        if (!host.HasValue)
        {
            return null;
        }
        string name = host.Host;
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }
        foreach (string allowed in allowedHosts)
        {
            if (allowed == "*" || allowed.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }
        if (!loopbackListener && allowedHosts.Count == 0)
        {
            return null;
        }
        if (loopbackListener && (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip))))
        {
            return null;
        }
        return loopbackListener
            ? $"host \"{name}\" refused: this server listens on loopback and answers only to localhost, 127.0.0.1 and [::1] (add names with --web.allowed-hosts)"
            : $"host \"{name}\" refused: not in --web.allowed-hosts";
    }
}
