using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// A tiny Kestrel server on a free loopback port that serves whatever each test sets per path (body, content type,
/// status, delay, gzip) and records the requests it got, to act as scrape targets.
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Response> _responses = new(StringComparer.Ordinal);

    private MetricsEndpoint(WebApplication app) => _app = app;

    /// <summary>The pseudo header under which <see cref="Requests"/> records the subject of a client certificate.</summary>
    public const string ClientCertificateKey = ":client-certificate";

    /// <summary>What one path answers.</summary>
    internal sealed record Response(string Body, string ContentType = "text/plain; version=0.0.4; charset=utf-8", int Status = 200,
        TimeSpan Delay = default, bool GzipWhenAccepted = true, string? RequiredAuthorization = null);

    /// <summary>The requests received, in order: path and query, headers.</summary>
    public ConcurrentQueue<(string PathAndQuery, IReadOnlyDictionary<string, string> Headers)> Requests { get; } = new();

    /// <summary>host:port of the endpoint.</summary>
    public string Address { get; private set; } = string.Empty;

    /// <summary>Starts on a free loopback port; with <paramref name="serverCertificate"/> it speaks HTTPS and accepts (not requires) client certificates.</summary>
    public static async Task<MetricsEndpoint> StartAsync(X509Certificate2? serverCertificate = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore();
        if (serverCertificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (serverCertificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            }
        }));
        var app = builder.Build();
        var endpoint = new MetricsEndpoint(app);
        app.Run(endpoint.HandleAsync);
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.Address = new Uri(url).Authority;
        return endpoint;
    }

    public void Set(string path, Response response) => _responses[path] = response;

    public void Set(string path, string body) => _responses[path] = new Response(body);

    private async Task HandleAsync(HttpContext ctx)
    {
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        if (ctx.Connection.ClientCertificate is { } clientCertificate)
        {
            headers[ClientCertificateKey] = clientCertificate.Subject;
        }
        Requests.Enqueue((ctx.Request.Path + ctx.Request.QueryString, headers));
        if (!_responses.TryGetValue(ctx.Request.Path.Value ?? "/", out var r))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        if (r.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(r.Delay, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        if (r.RequiredAuthorization is not null && ctx.Request.Headers.Authorization.ToString() != r.RequiredAuthorization)
        {
            ctx.Response.StatusCode = 401;
            return;
        }
        ctx.Response.StatusCode = r.Status;
        ctx.Response.ContentType = r.ContentType;
        byte[] bytes = Encoding.UTF8.GetBytes(r.Body);
        if (r.GzipWhenAccepted && ctx.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.Ordinal))
        {
            ctx.Response.Headers.ContentEncoding = "gzip";
            using var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(bytes);
            }
            bytes = ms.ToArray();
        }
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
