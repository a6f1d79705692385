using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.AspNetCore;

/// <summary>Maps the tunables contract (docs/TUNABLES.md) into an ASP.NET Core app: <c>GET /vigil/tunables</c>, <c>GET</c>/<c>PUT /vigil/tunables/{name}</c>.</summary>
/// <remarks>
/// Tunables are mapped on their own (not by <c>MapVigil</c>) because they are a write API with its own token. The app
/// "listens beyond loopback" when any of the server's addresses is not a loopback one (<c>0.0.0.0</c>, <c>*</c>, a LAN
/// address) or the request arrived on a non-loopback interface; a <c>PUT</c> is then refused (403) unless a token is set.
/// </remarks>
public static class VigilTunablesEndpointRouteBuilderExtensions
{
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>Maps the tunables of the <see cref="TunableRegistry"/> registered by <c>AddVigilSdk</c>, with <paramref name="token"/> as bearer token.</summary>
    public static IEndpointConventionBuilder MapVigilTunables(this IEndpointRouteBuilder endpoints, string? token = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var registry = endpoints.ServiceProvider.GetService<TunableRegistry>()
            ?? throw new InvalidOperationException("MapVigilTunables() needs a TunableRegistry service: call services.AddVigilSdk() first, or pass the registry.");
        return endpoints.MapVigilTunables(registry, token);
    }

    /// <summary>Maps the tunables of <paramref name="registry"/> with <paramref name="token"/> as bearer token, and exports them on the app's <c>/metrics</c>.</summary>
    public static IEndpointConventionBuilder MapVigilTunables(this IEndpointRouteBuilder endpoints, TunableRegistry registry, string? token = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var tunables = new TunableEndpoint(registry, token);
        endpoints.ServiceProvider.GetService<VigilMetrics>()?.AddTunables(registry);
        var group = endpoints.MapGroup(string.Empty);
        group.MapMethods(TunableEndpoint.Path, ["GET", "HEAD"], context => Serve(context, tunables));
        group.MapMethods(TunableEndpoint.Path + "/{name}", ["GET", "HEAD", "PUT"], context => Serve(context, tunables));
        return group.WithDisplayName("Vigil tunables");
    }

    private static async Task Serve(HttpContext context, TunableEndpoint tunables)
    {
        var request = context.Request;
        var response = context.Response;
        byte[] requestBody = [];
        if (HttpMethods.IsPut(request.Method))
        {
            if (request.ContentLength > MaxBodyBytes)
            {
                await WriteAsync(context, 413, w => ErrorJson(w, "request body larger than 64 KiB")).ConfigureAwait(false);
                return;
            }
            using var copy = new MemoryStream();
            var chunk = new byte[8192];
            int n;
            while ((n = await request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (copy.Length + n > MaxBodyBytes)
                {
                    await WriteAsync(context, 413, w => ErrorJson(w, "request body larger than 64 KiB")).ConfigureAwait(false);
                    return;
                }
                copy.Write(chunk, 0, n);
            }
            requestBody = copy.ToArray();
        }
        string path = RawPath(context);
        string? authorization = request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null;
        var body = new ArrayBufferWriter<byte>(1024);
        int status = tunables.Handle(request.Method, path, authorization, requestBody, BeyondLoopback(context), body);
        if (status == 401)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }
        response.StatusCode = status;
        response.ContentType = VigilEndpoint.JsonContentType;
        response.ContentLength = body.WrittenCount;
        if (!HttpMethods.IsHead(request.Method))
        {
            await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static Task WriteAsync(HttpContext context, int status, Action<IBufferWriter<byte>> write)
    {
        var body = new ArrayBufferWriter<byte>(256);
        write(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = VigilEndpoint.JsonContentType;
        context.Response.ContentLength = body.WrittenCount;
        return context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).AsTask();
    }

    private static void ErrorJson(IBufferWriter<byte> body, string message)
    {
        using var w = new System.Text.Json.Utf8JsonWriter(body);
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
    }

    /// <summary>The path still percent-encoded where the server keeps it, without the path base.</summary>
    internal static string RawPath(HttpContext context)
    {
        var request = context.Request;
        string? raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        string target = !string.IsNullOrEmpty(raw) && raw.StartsWith('/') ? raw.Split('?', 2)[0] : request.Path.Value ?? string.Empty;
        string pathBase = request.PathBase.Value ?? string.Empty;
        if (pathBase.Length > 0 && target.StartsWith(pathBase, StringComparison.OrdinalIgnoreCase))
        {
            target = target[pathBase.Length..];
        }
        return target;
    }

    private static bool BeyondLoopback(HttpContext context)
    {
        if (context.Connection.LocalIpAddress is { } local && !IsLoopback(local))
        {
            return true;
        }
        var addresses = context.RequestServices.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null)
        {
            return false;
        }
        foreach (string address in addresses)
        {
            string host;
            try
            {
                host = BindingAddress.Parse(address).Host;
            }
            catch (FormatException)
            {
                return true;
            }
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!IPAddress.TryParse(host.Trim('[', ']'), out var ip) || !IsLoopback(ip))
            {
                // Note: "*", "+", 0.0.0.0, [::] and any name but localhost can be reached from elsewhere.
                return true;
            }
        }
        return false;
    }

    private static bool IsLoopback(IPAddress ip) => IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
}
