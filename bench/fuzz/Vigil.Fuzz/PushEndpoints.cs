using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
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

    private readonly Type _pushApi;
    private readonly ConstructorInfo _constructor;
    private Func<HttpContext, Task> _import = null!;
    private Func<HttpContext, Task> _push = null!;
    private int _uses;

    public PushEndpoints()
    {
        // Note: found by simple name among Vigil's assemblies, so the harness survives the handler moving between
        // projects or namespaces; it fails loudly if it is gone.
        var assemblies = new List<Assembly> { typeof(VigilServer).Assembly };
        assemblies.AddRange(typeof(VigilServer).Assembly.GetReferencedAssemblies()
            .Where(n => n.Name?.StartsWith("Vigil.", StringComparison.Ordinal) == true)
            .Select(Assembly.Load));
        _pushApi = assemblies.SelectMany(a => a.GetTypes()).SingleOrDefault(t => t.Name == "PushApi")
            ?? throw new InvalidOperationException("the push handler type PushApi is gone; update the fuzz harness");
        _constructor = _pushApi.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Single();
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
        object?[] arguments = _constructor.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(IAppendable) => head,
            var t when t == typeof(TimeProvider) => TimeProvider.System,
            var t when typeof(ILogger).IsAssignableFrom(t) => NullLogger.Instance,
            var t => Activator.CreateInstance(t, nonPublic: true),
        }).ToArray();
        object api = _constructor.Invoke(arguments);
        _import = Bind(api, "ImportPrometheusAsync");
        _push = Bind(api, "PushAsync");
    }

    private Func<HttpContext, Task> Bind(object api, string name)
    {
        var method = _pushApi.GetMethod(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, [typeof(HttpContext)])
            ?? throw new InvalidOperationException($"PushApi.{name}(HttpContext) is gone; update the fuzz harness");
        return method.CreateDelegate<Func<HttpContext, Task>>(api);
    }
}
