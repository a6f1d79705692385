using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Sdk.Exposition;

namespace Vigil.Sdk.AspNetCore;

/// <summary>Maps the SDK's endpoints (<c>/metrics</c>, <c>/vigil/tools</c>, <c>/vigil/collectors</c>) into an ASP.NET Core app.</summary>
public static class VigilEndpointRouteBuilderExtensions
{
    /// <summary>Maps <c>/metrics</c> (Prometheus text or OpenMetrics by <c>Accept</c>) for the <see cref="VigilEndpoint"/> registered by <c>AddVigilSdk</c>.</summary>
    public static IEndpointConventionBuilder MapVigilMetrics(this IEndpointRouteBuilder endpoints, string pattern = VigilEndpoint.MetricsPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var endpoint = endpoints.ServiceProvider.GetService<VigilEndpoint>()
            ?? throw new InvalidOperationException("MapVigilMetrics() needs a VigilEndpoint service: call services.AddVigilSdk() first, or pass the endpoint.");
        return endpoints.MapVigilMetrics(endpoint, pattern);
    }

    /// <summary>Maps <c>/metrics</c> for <paramref name="endpoint"/> at <paramref name="pattern"/>.</summary>
    public static IEndpointConventionBuilder MapVigilMetrics(this IEndpointRouteBuilder endpoints, VigilEndpoint endpoint, string pattern = VigilEndpoint.MetricsPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoints.MapMethods(pattern, ["GET", "HEAD"], context => Serve(context, endpoint, VigilEndpoint.MetricsPath))
            .WithDisplayName("Vigil metrics");
    }

    /// <summary>Maps <c>/metrics</c>, <c>/vigil/tools</c>, <c>/vigil/tools/{tool}</c>, <c>/vigil/tools/{tool}/baseline</c>, <c>/vigil/collectors</c> and <c>/vigil/anomalies</c> for the registered <see cref="VigilEndpoint"/>.</summary>
    public static IEndpointConventionBuilder MapVigil(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var endpoint = endpoints.ServiceProvider.GetService<VigilEndpoint>()
            ?? throw new InvalidOperationException("MapVigil() needs a VigilEndpoint service: call services.AddVigilSdk() first, or pass the endpoint.");
        return endpoints.MapVigil(endpoint);
    }

    /// <summary>Maps every path of <paramref name="endpoint"/>.</summary>
    public static IEndpointConventionBuilder MapVigil(this IEndpointRouteBuilder endpoints, VigilEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(endpoint);
        var group = endpoints.MapGroup(string.Empty);
        group.MapMethods(VigilEndpoint.MetricsPath, ["GET", "HEAD"], context => Serve(context, endpoint, VigilEndpoint.MetricsPath));
        group.MapMethods(VigilEndpoint.ToolsPath, ["GET", "HEAD"], context => Serve(context, endpoint, VigilEndpoint.ToolsPath));
        group.MapMethods(VigilEndpoint.ToolsPath + "/{**tool}", ["GET", "HEAD"], context => Serve(context, endpoint, null));
        group.MapMethods(VigilEndpoint.CollectorsPath, ["GET", "HEAD"], context => Serve(context, endpoint, VigilEndpoint.CollectorsPath));
        group.MapMethods(VigilEndpoint.AnomaliesPath, ["GET", "HEAD"], context => Serve(context, endpoint, VigilEndpoint.AnomaliesPath));
        return group.WithDisplayName("Vigil");
    }

    private static async Task Serve(HttpContext context, VigilEndpoint endpoint, string? path)
    {
        var request = context.Request;
        // Note: the raw (still percent-encoded) target where the server keeps it, so a tool name containing "/" survives
        // as %2F; otherwise the path, in which servers leave %2F encoded.
        string target = path ?? VigilTunablesEndpointRouteBuilderExtensions.RawPath(context);
        string? query = request.QueryString.HasValue ? request.QueryString.Value![1..] : null;
        var body = new ArrayBufferWriter<byte>(4096);
        int status = endpoint.Handle(request.Method, target, query, request.Headers.Accept.ToString(), body, out string contentType);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.WrittenCount;
        if (!HttpMethods.IsHead(request.Method))
        {
            await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
