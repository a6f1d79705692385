using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Storage;
using Vigil.Server;
using Vigil.Tsdb.Head;

namespace Vigil.Fuzz;

/// <summary>
/// Drives the server's push handlers (<c>PushApi.ImportPrometheusAsync</c> and <c>PushApi.PushAsync</c>) with a request
/// built in memory, over a real in-memory <see cref="Head"/>, exactly as the route table calls them.
/// </summary>
/// <remarks>
/// The handlers are internal to <c>Vigil.Server</c>; the harness binds to them by name once at start-up and fails loudly
/// if they moved, so a renamed handler stops the fuzz run instead of fuzzing nothing. The head is replaced every
/// <see cref="HeadLifetime"/> inputs so that memory stays bounded over millions of executions.
/// </remarks>
internal sealed class PushEndpoints
{
    private const int HeadLifetime = 5000;
    private const string PushApiType = "Vigil.Server.Api.PushApi";

    private readonly Type _pushApi;
    private readonly Type _metadata;
    private readonly Type _aggregator;
    private Func<HttpContext, Task> _import = null!;
    private Func<HttpContext, Task> _push = null!;
    private int _uses;

    public PushEndpoints()
    {
        var server = typeof(VigilServer).Assembly;
        _pushApi = server.GetType(PushApiType, throwOnError: true)!;
        _metadata = server.GetType("Vigil.Server.Api.PushedMetadata", throwOnError: true)!;
        _aggregator = server.GetType("Vigil.Server.Api.ObservationAggregator", throwOnError: true)!;
        Renew();
    }

    public Outcome ImportText(byte[] body)
    {
        // Note: a body that holds the OpenMetrics terminator is sent as OpenMetrics, so both content types are reached.
        bool openMetrics = body.AsSpan().IndexOf("# EOF"u8) >= 0;
        return Send(_import, body, openMetrics ? "application/openmetrics-text; version=1.0.0" : "text/plain; version=0.0.4");
    }

    public Outcome PushJson(byte[] body) => Send(_push, body, "application/json");

    private Outcome Send(Func<HttpContext, Task> handler, byte[] body, string contentType)
    {
        if (++_uses % HeadLifetime == 0)
        {
            Renew();
        }
        var ctx = new DefaultHttpContext();
        ctx.Request.Method = "POST";
        ctx.Request.ContentType = contentType;
        ctx.Request.ContentLength = body.Length;
        ctx.Request.Body = new MemoryStream(body, writable: false);
        var response = new MemoryStream();
        ctx.Response.Body = response;
        handler(ctx).GetAwaiter().GetResult();
        int status = ctx.Response.StatusCode;
        if (status >= 500)
        {
            throw new FuzzFindingException($"HTTP {status}: {Encoding.UTF8.GetString(response.ToArray())}");
        }
        if (status >= 400)
        {
            string text = Encoding.UTF8.GetString(response.ToArray());
            if (!text.Contains("\"errorType\"", StringComparison.Ordinal))
            {
                throw new FuzzFindingException($"HTTP {status} without a Prometheus-shaped error body: {text}");
            }
            return Outcome.Rejected;
        }
        return Outcome.Accepted;
    }

    private void Renew()
    {
        IAppendable head = new Head();
        object api = Activator.CreateInstance(_pushApi, head, Activator.CreateInstance(_metadata, nonPublic: true),
            Activator.CreateInstance(_aggregator, nonPublic: true), NullLogger.Instance, TimeProvider.System)!;
        _import = Bind(api, "ImportPrometheusAsync");
        _push = Bind(api, "PushAsync");
    }

    private Func<HttpContext, Task> Bind(object api, string name)
    {
        var method = _pushApi.GetMethod(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, [typeof(HttpContext)])
            ?? throw new InvalidOperationException($"{PushApiType}.{name}(HttpContext) is gone; update the fuzz harness");
        return method.CreateDelegate<Func<HttpContext, Task>>(api);
    }
}
