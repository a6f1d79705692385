using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vigil.Sdk.Exposition;

namespace Vigil.Demo.Service;

/// <summary>
/// The sample service of <c>vigil demo</c> and its load generator.
/// <c>serve</c>: answers <c>GET /item/{key}</c> on one port and serves <c>/metrics</c> and the tunables on another
/// (the SDK's own listener), then prints <c>listening URL metrics URL</c>.
/// <c>load</c>: sends requests to a <c>serve</c> at a steady rate and prints what it sees.
/// </summary>
public static class Program
{
    /// <summary>Runs <c>serve</c> or <c>load</c>.</summary>
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("The sample service of `vigil demo`: a worker pool in front of a slow downstream, and a cache.")
        {
            ServeCommand(),
            LoadCommand(),
        };
        return root.Parse(args).InvokeAsync();
    }

    private static Command ServeCommand()
    {
        var d = new ServiceOptions();
        var port = new Option<int>("--port") { Description = "Port of GET /item/{key} on 127.0.0.1 (0: any free one).", DefaultValueFactory = _ => 0 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Port of /metrics and /vigil/tunables on 127.0.0.1 (0: any free one).", DefaultValueFactory = _ => 0 };
        var poolSize = new Option<int>("--pool-size") { Description = "Workers in front of the downstream at start.", DefaultValueFactory = _ => d.PoolSize };
        var cacheSize = new Option<int>("--cache-size") { Description = "Cache entries at start.", DefaultValueFactory = _ => d.CacheSize };
        var cores = new Option<int>("--cores") { Description = "Cores of the simulated downstream.", DefaultValueFactory = _ => d.Cores };
        var workMs = new Option<double>("--work-ms") { Description = "Mean core time of a downstream call, in milliseconds.", DefaultValueFactory = _ => d.Work.TotalMilliseconds };
        var contention = new Option<double>("--contention") { Description = "Share of a core slice lost per call in flight beyond the cores.", DefaultValueFactory = _ => d.Contention };
        var queueTimeoutMs = new Option<int>("--queue-timeout-ms") { Description = "Longest wait for a worker before a request fails with 503.", DefaultValueFactory = _ => (int)d.QueueTimeout.TotalMilliseconds };
        var tokenFile = new Option<FileInfo?>("--token-file") { Description = "File with the bearer token the tunables endpoint requires." };
        var command = new Command("serve", "Serve GET /item/{key}, /metrics and the pool_size and cache_size tunables until SIGINT or SIGTERM.")
        {
            port, metricsPort, poolSize, cacheSize, cores, workMs, contention, queueTimeoutMs, tokenFile,
        };
        command.SetAction(async (r, ct) =>
        {
            var options = new ServiceOptions
            {
                PoolSize = r.GetValue(poolSize),
                CacheSize = r.GetValue(cacheSize),
                Cores = r.GetValue(cores),
                Work = TimeSpan.FromMilliseconds(r.GetValue(workMs)),
                Contention = r.GetValue(contention),
                QueueTimeout = TimeSpan.FromMilliseconds(r.GetValue(queueTimeoutMs)),
            };
            string? token = r.GetValue(tokenFile) is { } f ? (await File.ReadAllTextAsync(f.FullName, ct).ConfigureAwait(false)).Trim() : null;
            return await ServeAsync(options, r.GetValue(port), r.GetValue(metricsPort), token).ConfigureAwait(false);
        });
        return command;
    }

    private static Command LoadCommand()
    {
        var url = new Option<Uri>("--url")
        {
            Description = "The service's base URL (the one serve prints).",
            Required = true,
            CustomParser = r =>
            {
                if (Uri.TryCreate(r.Tokens[0].Value, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttp)
                {
                    return u;
                }
                r.AddError($"--url: \"{r.Tokens[0].Value}\" is not an absolute http URL");
                return null;
            },
        };
        var rate = new Option<double>("--rate") { Description = "Requests per second.", DefaultValueFactory = _ => 200 };
        var keys = new Option<int>("--keys") { Description = "Distinct keys.", DefaultValueFactory = _ => 10_000 };
        var zipf = new Option<double>("--zipf") { Description = "Zipf exponent of key popularity.", DefaultValueFactory = _ => 1.0 };
        var duration = new Option<double>("--duration") { Description = "Seconds to run; 0 runs until stopped.", DefaultValueFactory = _ => 0 };
        var report = new Option<double>("--report") { Description = "Seconds between report lines.", DefaultValueFactory = _ => 5 };
        var command = new Command("load", "Send GET /item/{key} at a steady rate and print the rate, errors and client-side p50/p99.")
        {
            url, rate, keys, zipf, duration, report,
        };
        command.SetAction(async (r, ct) =>
        {
            var options = new LoadOptions
            {
                Url = r.GetValue(url)!,
                Rate = r.GetValue(rate),
                Keys = r.GetValue(keys),
                Zipf = r.GetValue(zipf),
                Duration = r.GetValue(duration) > 0 ? TimeSpan.FromSeconds(r.GetValue(duration)) : null,
                Report = TimeSpan.FromSeconds(r.GetValue(report)),
            };
            using var stop = StopOnSignals(ct);
            await new LoadGenerator(options, Console.Out).RunAsync(stop.Token).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async Task<int> ServeAsync(ServiceOptions options, int port, int metricsPort, string? token)
    {
        await using var service = new DemoService(options);
        var endpoint = new VigilEndpoint(service.Metrics);
        endpoint.ServeTunables(service.Tunables, token);
        await using var listener = VigilHttpListener.Start(endpoint, metricsPort, IPAddress.Loopback);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        await using var app = builder.Build();
        app.MapGet("/item/{key}", async (string key, HttpContext context) =>
        {
            var (status, body) = await service.GetItemAsync(key, context.RequestAborted).ConfigureAwait(false);
            return Results.Text(body, statusCode: status);
        });
        await app.StartAsync().ConfigureAwait(false);
        string url = app.Urls.First();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"listening {url}/ metrics {listener.BaseAddress} pool_size {options.PoolSize} cache_size {options.CacheSize}"));
        Console.Out.Flush();
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>A token cancelled by SIGINT or SIGTERM (or <paramref name="ct"/>), so the generator's last report is printed.</summary>
    private static SignalStop StopOnSignals(CancellationToken ct) => new(ct);

    /// <summary>Cancels its token on SIGINT or SIGTERM instead of letting the runtime end the process.</summary>
    private sealed class SignalStop : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly PosixSignalRegistration _sigint;
        private readonly PosixSignalRegistration _sigterm;

        public SignalStop(CancellationToken ct)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        }

        public CancellationToken Token => _stop.Token;

        public void Dispose()
        {
            _sigint.Dispose();
            _sigterm.Dispose();
            _stop.Dispose();
        }

        private void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            _stop.Cancel();
        }
    }
}
