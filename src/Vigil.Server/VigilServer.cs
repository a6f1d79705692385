using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Collection.Collectors;
using Vigil.Collection.Collectors.Dotnet;
using Vigil.Collection.Collectors.Postgres;
using Vigil.Collection.Collectors.Probe;
using Vigil.Collection.Collectors.Processes;
using Vigil.Collection.Otlp;
using Vigil.Collection.Push;
using Vigil.Collection.Scrape;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.Rules;
using Vigil.Rules.Notifier;
using Vigil.Server.Api;
using Vigil.Server.Config;
using Vigil.Server.Hosting;
using Vigil.Server.Metrics;
using Vigil.Server.Security;

namespace Vigil.Server;

/// <summary>
/// The Vigil server as a library: built-in collectors and the scrape manager (<see cref="VigilServerOptions.ScrapeConfigs"/>)
/// writing into the given storage, and the HTTP endpoints (<c>/metrics</c>, <c>/-/healthy</c>, <c>/-/ready</c>,
/// Prometheus's query API <c>/api/v1/query</c>, <c>/api/v1/query_range</c>, <c>/api/v1/format_query</c>,
/// <c>/api/v1/query_exemplars</c>, <c>/api/v1/status/buildinfo</c>, <c>/api/v1/series</c>, <c>/api/v1/labels</c>,
/// <c>/api/v1/label/&lt;name&gt;/values</c>, <c>/api/v1/export</c>, <c>/api/v1/targets</c>, <c>/api/v1/targets/metadata</c>,
/// <c>/api/v1/metadata</c>, <c>/api/v1/import/prometheus</c>, <c>/api/v1/push</c>) on an in-process Kestrel.
/// </summary>
/// <remarks>
/// <c>vigil serve</c> and tests host it alike. The caller owns the storage: open it before <see cref="StartAsync"/>
/// and close it after <see cref="StopAsync"/>, which stops scraping and the collectors (waiting for a running collection) and then
/// the HTTP server (waiting for requests in flight). Start and stop are not meant to be called concurrently; the
/// other members are thread-safe. A stopped server cannot be started again.
/// </remarks>
public sealed partial class VigilServer : IAsyncDisposable
{
    private readonly VigilServerOptions _options;
    private readonly IStorage _storage;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<ICollector> _extraCollectors;
    private readonly List<IDisposable> _ownedCollectors = new();
    private readonly TimeProvider _clock;
    private DateTimeOffset _startedAt;
    private readonly object _stateLock = new();
    private readonly PushedMetadata _selfMetadata = new();
    private readonly PushedMetadata _pushedMetadata = new();
    private OtlpReceiver? _otlp;
    private ListenOptions? _grpcListener;
    private ServerInstruments? _instruments;
    private Collection.Push.RemoteWrite.RemoteWriteInstruments? _remoteWriteInstruments;
    private SelfMetrics? _selfMetrics;
    private CollectionLoop? _loop;
    private ScrapeManager? _scrape;
    private WebApplication? _app;
    private PrometheusApi? _api;
    private RuleManager? _rules;
    private NotificationManager? _notifier;
    private Task? _firstCollection;
    private Uri? _baseAddress;
    private State _state;

    /// <summary>Creates a server over <paramref name="storage"/>; nothing runs until <see cref="StartAsync"/>.</summary>
    public VigilServer(VigilServerOptions options, IStorage storage, ILoggerFactory? loggerFactory = null)
        : this(options, storage, loggerFactory, [], null)
    {
    }

    /// <summary>Test hook: adds collectors and a clock.</summary>
    internal VigilServer(VigilServerOptions options, IStorage storage, ILoggerFactory? loggerFactory, IReadOnlyList<ICollector> extraCollectors, TimeProvider? clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        if (options.QueryTimeout <= TimeSpan.Zero || options.QueryMaxSamples <= 0 || options.QueryLookbackDelta <= TimeSpan.Zero || options.QueryMaxConcurrency <= 0)
        {
            throw new ArgumentException("the query timeout, max samples, lookback delta and max concurrency must be positive", nameof(options));
        }
        if (options.CollectionInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the collection interval must be positive, got {PrometheusDuration.Format(options.CollectionInterval)}", nameof(options));
        }
        _options = options;
        _active = options;
        _storage = storage;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<VigilServer>();
        _extraCollectors = extraCollectors;
        _clock = clock ?? TimeProvider.System;
    }

    private enum State
    {
        New,
        Started,
        Stopped,
    }

    /// <summary>The base URL the server listens on, e.g. <c>http://127.0.0.1:9612/</c> (the real port when 0 was asked).</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("the server has not been started");

    /// <summary>The OTLP/gRPC address, e.g. <c>http://127.0.0.1:4317/</c> (the real port when 0 was asked); null without <see cref="VigilServerOptions.OtlpGrpcListen"/>.</summary>
    public Uri? OtlpGrpcAddress
    {
        get
        {
            if (_grpcListener is null || _baseAddress is null)
            {
                return null;
            }
            var listen = _options.OtlpGrpcListen!;
            int port = _grpcListener.IPEndPoint?.Port ?? listen.Port;
            string host = listen.Host.Length == 0 || listen.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) && port == 0
                ? "127.0.0.1"
                : listen.Host.Contains(':', StringComparison.Ordinal) ? "[" + listen.Host + "]" : listen.Host;
            return new Uri(string.Create(CultureInfo.InvariantCulture, $"{_baseAddress.Scheme}://{host}:{port}/"));
        }
    }

    /// <summary>The OTLP receiver (its options follow configuration reloads).</summary>
    internal OtlpReceiver Otlp => _otlp ?? throw new InvalidOperationException("the server has not been started");

    /// <summary>True once the first collection has finished (what <c>/-/ready</c> reports) and until the server stops.</summary>
    public bool IsReady => _state == State.Started && _firstCollection is { IsCompleted: true };

    /// <summary>Binds the HTTP listener, then starts collecting. Throws <see cref="IOException"/> naming the address when it cannot bind.</summary>
    /// <exception cref="Vigil.Core.Config.ConfigException">The web configuration file is invalid.</exception>
    /// <exception cref="Security.InsecureListenException">The listener is beyond loopback without authentication or <see cref="VigilServerOptions.InsecureListen"/>.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var access = LoadWebAccess();
        lock (_stateLock)
        {
            if (_state != State.New)
            {
                throw new InvalidOperationException("a VigilServer can be started only once");
            }
            _state = State.Started;
        }
        _startedAt = _clock.GetUtcNow();
        _instruments = new ServerInstruments();
        _selfMetrics = new SelfMetrics(_loggerFactory.CreateLogger("Vigil.Server.Metrics"));
        _loop = NewCollectionLoop(_active);
        _firstCollection = _loop.FirstCollection;
        if (_active.Rules is { } ruleOptions)
        {
            await ApplyAlertingAsync(_active.Alerting, ruleOptions).ConfigureAwait(false);
            _rules = NewRuleManager();
            await _rules.ApplyAsync(ruleOptions, cancellationToken).ConfigureAwait(false);
        }
        _scrape = new ScrapeManager(_storage, FileSdParser.ReadFile, _loggerFactory, _clock);
        CreateAnalysis();
        if (_active.Optimization is { } optimization)
        {
            CreateOptimizer(optimization);
        }
        _access = access;
        _app = BuildWebApplication(_instruments, _selfMetrics, _scrape, access);
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw InUse(e)
                ? new ListenAddressInUseException($"cannot listen on {_options.Listen}: the address is already in use (another vigil serve, or another program)", e)
                : new IOException($"cannot listen on {_options.Listen}: {e.Message}", e);
        }
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        string first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no listen address");
        _baseAddress = new Uri(first.EndsWith('/') ? first : first + "/");
        _loop.Start();
        _rules?.Start();
        await _scrape.ApplyConfigAsync(_active.ScrapeConfigs).ConfigureAwait(false);
        await ApplyRemoteWriteAsync(_active, cancellationToken).ConfigureAwait(false);
        _analysis?.Start();
        _optimizer?.Start();
        StartConfigReloader();
        _logger.LogInformation("Vigil listening on {Address}, collecting every {Interval}{DataDir}",
            _baseAddress, PrometheusDuration.Format(_active.CollectionInterval),
            _options.DataDirectory is null ? string.Empty : ", data in " + Path.GetFullPath(_options.DataDirectory));
    }

    /// <summary>Stops the collectors, then the HTTP server. Safe to call more than once.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_stateLock)
        {
            if (_state != State.Started)
            {
                _state = State.Stopped;
                return;
            }
            _state = State.Stopped;
        }
        await StopConfigReloaderAsync().ConfigureAwait(false);
        await StopOptimizerAsync().ConfigureAwait(false);
        await StopAnalysisAsync().ConfigureAwait(false);
        if (_scrape is not null)
        {
            await _scrape.StopAsync().ConfigureAwait(false);
        }
        if (_loop is not null)
        {
            await _loop.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var owned in _ownedCollectors)
        {
            owned.Dispose();
        }
        _ownedCollectors.Clear();
        if (_rules is not null)
        {
            await _rules.DisposeAsync().ConfigureAwait(false);
        }
        // Note: after everything that writes (scrapes, collectors, rules), so the remotes can send the last samples.
        await StopRemoteWriteAsync().ConfigureAwait(false);
        if (_notifier is not null)
        {
            await _notifier.DisposeAsync().ConfigureAwait(false);
        }
        if (_app is not null)
        {
            try
            {
                await _app.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await _app.DisposeAsync().ConfigureAwait(false);
            }
        }
        _api?.Dispose();
        _selfMetrics?.Dispose();
        _instruments?.Dispose();
        _remoteWriteInstruments?.Dispose();
        _logger.LogInformation("Vigil server stopped");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>The rule manager, or null when the server runs no rules.</summary>
    public RuleManager? Rules => _rules;

    /// <summary>
    /// Puts a new rule set in force without a restart (the configuration reload hook): unchanged rules keep their alert
    /// state; an invalid set throws <see cref="RuleLoadException"/> and the running set stays.
    /// </summary>
    public Task<IReadOnlyList<RuleFileError>> ReloadRulesAsync(RuleManagerOptions options, CancellationToken cancellationToken = default)
        => (_rules ?? throw new InvalidOperationException("the server was started without rules")).ApplyAsync(options, cancellationToken);

    /// <summary>Runs one collection now (tests use this instead of waiting for the interval).</summary>
    internal void CollectNow() => (_loop ?? throw new InvalidOperationException("the server has not been started")).CollectOnce();

    /// <summary>The scrape manager (tests force scrapes and discovery refreshes through it).</summary>
    internal ScrapeManager ScrapeManager => _scrape ?? throw new InvalidOperationException("the server has not been started");

    /// <summary>Completes after the first collection.</summary>
    internal Task FirstCollection => (_loop ?? throw new InvalidOperationException("the server has not been started")).FirstCollection;

    private List<ICollector> BuildCollectors()
    {
        var collectors = new List<ICollector>();
        if (_active.CollectHost)
        {
            if (HostCollector.IsSupported)
            {
                collectors.Add(new HostCollector(new HostCollectorOptions(), _loggerFactory.CreateLogger<HostCollector>(), _clock));
            }
            else
            {
                _logger.LogWarning("Host metrics are collected on 64-bit Linux only; this is {OS}", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
            }
        }
        if (_active.CollectSelf)
        {
            collectors.Add(new SelfCollector(_selfMetrics!, _selfMetadata.Set));
        }
        var configured = _active.Collectors;
        if (configured.Dotnet.Count > 0)
        {
            AddOwned(collectors, DotnetCollector.IsSupported ? new DotnetCollector(configured.Dotnet, _loggerFactory.CreateLogger<DotnetCollector>()) : null, "dotnet");
        }
        if (configured.Postgres.Count > 0)
        {
            AddOwned(collectors, new PostgresCollector(configured.Postgres, _loggerFactory.CreateLogger<PostgresCollector>()), "postgres");
        }
        if (configured.Probe.Count > 0)
        {
            AddOwned(collectors, new ProbeCollector(configured.Probe, _loggerFactory.CreateLogger<ProbeCollector>()), "probe");
        }
        if (configured.Process.Count > 0)
        {
            AddOwned(collectors, ProcessCollector.IsSupported ? new ProcessCollector(configured.Process, _loggerFactory.CreateLogger<ProcessCollector>()) : null, "process");
        }
        collectors.AddRange(_extraCollectors);
        return collectors;
    }

    private void AddOwned(List<ICollector> collectors, ICollector? collector, string name)
    {
        if (collector is null)
        {
            _logger.LogWarning("The {Name} collector needs Linux; it is not started on {OS}", name, System.Runtime.InteropServices.RuntimeInformation.OSDescription);
            return;
        }
        collectors.Add(collector);
        if (collector is IDisposable disposable)
        {
            _ownedCollectors.Add(disposable);
        }
    }

    private static bool InUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.AspNetCore.Connections.AddressInUseException
                || e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }
        return false;
    }

    private LabelSet TargetLabels()
        => LabelSet.Of("job", _options.Job, "instance", _options.Instance ?? Environment.MachineName);

    private WebApplication BuildWebApplication(ServerInstruments instruments, SelfMetrics selfMetrics, ScrapeManager scrape, WebAccess access)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Vigil.Server" });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_loggerFactory));
        // Note: ASP.NET Core logs every request at Information; only its warnings and errors are worth a line.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // Note: a start-up failure (a port in use) reaches the caller as one IOException naming the address; the host's
        // own log of it is a stack trace a person should not have to read.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddRoutingCore();
        _otlp = new OtlpReceiver(_storage, _pushedMetadata, _active.Otlp, _clock);
        if (_options.OtlpGrpcListen is not null)
        {
            builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = PushApi.MaxBodyBytes);
            builder.Services.AddSingleton(_otlp);
            builder.Services.AddSingleton<OtlpGrpcService>();
        }
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            Listen(k, _options.Listen, o => ConfigureListener(o, access));
            if (_options.OtlpGrpcListen is { } grpc)
            {
                Listen(k, grpc, o =>
                {
                    ConfigureGrpcListener(o, access);
                    _grpcListener = o;
                });
            }
        });

        var app = builder.Build();
        var engine = new PromQLEngine(new EngineOptions
        {
            Timeout = _options.QueryTimeout,
            MaxSamples = _options.QueryMaxSamples,
            LookbackDelta = _options.QueryLookbackDelta,
        });
        var api = _api = new PrometheusApi(_storage, engine, _options.QueryMaxConcurrency, _clock, _loggerFactory.CreateLogger<PrometheusApi>());
        app.UseRouting();
        app.Use(async (ctx, next) =>
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                await next(ctx).ConfigureAwait(false);
            }
            finally
            {
                string handler = (ctx.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "other";
                var handlerTag = new KeyValuePair<string, object?>("handler", handler);
                instruments.HttpRequests.Add(1, handlerTag, new("code", ctx.Response.StatusCode.ToString(CultureInfo.InvariantCulture)));
                instruments.HttpRequestDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, handlerTag);
            }
        });
        var errors = new ErrorMiddleware(_loggerFactory.CreateLogger("Vigil.Server.Http"));
        app.Use(errors.InvokeAsync);
        var checks = new AccessMiddleware(access, _options.Listen.IsLoopback, _options.AllowedHosts, instruments.AuthFailures,
            _loggerFactory.CreateLogger<AccessMiddleware>());
        app.Use(checks.InvokeAsync);

        var routes = BuildRoutes(api, selfMetrics, scrape, access);
        foreach (var route in routes)
        {
            app.MapMethods(route.Pattern, route.Methods, route.Handler).WithMetadata(new RouteScope(route.Scope));
        }
        if (_options.OtlpGrpcListen is not null)
        {
            app.MapGrpcService<OtlpGrpcService>().WithMetadata(new RouteScope(AccessScope.Write));
        }
        _routes = routes;
        return app;
    }

    private static void Listen(KestrelServerOptions k, ListenAddress listen, Action<ListenOptions> configure)
    {
        if (listen.Host.Length == 0)
        {
            k.ListenAnyIP(listen.Port, configure);
        }
        else if (listen.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Note: Kestrel cannot bind "localhost" to a dynamic port on both families; port 0 means IPv4 loopback.
            if (listen.Port == 0)
            {
                k.Listen(IPAddress.Loopback, 0, configure);
            }
            else
            {
                k.ListenLocalhost(listen.Port, configure);
            }
        }
        else
        {
            k.Listen(IPAddress.Parse(listen.Host), listen.Port, configure);
        }
    }

    private const string IndexText =
        "Vigil\n\n" +
        "/metrics                      Vigil's own metrics (Prometheus text format)\n" +
        "/-/healthy, /-/ready          health and readiness\n" +
        "/api/v1/query?query=EXPR      PromQL instant query (Prometheus API; also query_range, format_query)\n" +
        "/api/v1/series?match[]=SEL    series matching a selector\n" +
        "/api/v1/labels                label names\n" +
        "/api/v1/label/NAME/values     values of one label\n" +
        "/api/v1/export?match[]=SEL    raw samples as JSON lines (VictoriaMetrics export format)\n" +
        "/api/v1/rules, /api/v1/alerts recording and alerting rules, active alerts (Prometheus API)\n" +
        "/api/v1/targets               scrape targets, health and last errors (Prometheus API)\n" +
        "/api/v1/metadata              metric types and help texts of Vigil itself, targets and pushes\n" +
        "/api/v1/status/buildinfo      version information\n" +
        "POST /api/v1/import/prometheus  push a text-format payload (optional extra_label=name=value)\n" +
        "POST /api/v1/push             push JSON metrics (metric_name, value, metric_type, unit, tags, source, timestamp)\n" +
        "POST /v1/metrics              OTLP/HTTP metrics, protobuf or JSON (also /api/v1/otlp/v1/metrics)\n" +
        "/api/v1/status/tsdb           series and label cardinality (Prometheus's TSDB status)\n" +
        "/api/v1/optimizations         optimization history; POST .../ID/approve|reject|rollback; .../audit\n" +
        "/api/v1/profiles              CPU profiles from vigil profile --upload (POST collapsed stacks)\n" +
        "/api/v1/insights              analysis insights (?state=active&type=...&severity=...)\n" +
        "/api/v1/status/config         the configuration file, secrets hidden\n" +
        "POST /-/reload                reload the configuration file (also on SIGHUP and when it changes)\n" +
        "/ in a browser                the dashboard\n";

    private static Task WriteTextAsync(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return HttpMethods.IsHead(ctx.Request.Method) ? Task.CompletedTask : ctx.Response.WriteAsync(text, ctx.RequestAborted);
    }
}
