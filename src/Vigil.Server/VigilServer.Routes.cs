using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Server.Api;
using Vigil.Server.Dashboard;
using Vigil.Server.Hosting;
using Vigil.Server.Metrics;
using Vigil.Server.Profiles;
using Vigil.Collection.Push;
using Vigil.Collection.Push.RemoteWrite;
using Vigil.Collection.Scrape;
using Vigil.Core.Exposition;
using Vigil.Server.Security;
using static Vigil.Server.Hosting.Route;

namespace Vigil.Server;

/// <summary>
/// Every HTTP route of the server in one table: methods, path, the scope a caller needs when authentication is
/// configured, the handler and a line for the docs (<c>docs/SECURITY.md</c> lists this table; a test keeps them equal).
/// Errors of every handler are answered by <see cref="ErrorMiddleware"/>.
/// </summary>
public sealed partial class VigilServer
{
    private IReadOnlyList<Route>? _routes;

    /// <summary>The routes of the running server.</summary>
    internal IReadOnlyList<Route> Routes => _routes ?? throw new InvalidOperationException("the server has not been started");

    private List<Route> BuildRoutes(PrometheusApi api, SelfMetrics selfMetrics, ScrapeManager scrape, WebAccess access)
    {
        var tsdb = new TsdbStatusApi(_storage, _clock, _loggerFactory.CreateLogger<TsdbStatusApi>());
        var config = new ConfigStatusApi(() => _active.ConfigYaml);
        var rules = new RulesApi(() => _rules);
        var pushedMetadata = _pushedMetadata;
        // Note: /api/v1/metadata lists what targets and pushes declared plus the types and help texts of Vigil's own metrics.
        var targets = new TargetsApi(scrape, () => pushedMetadata.All().Concat(_selfMetadata.All()));
        var push = new PushApi(_storage, pushedMetadata, new ObservationAggregator(), _loggerFactory.CreateLogger<PushApi>(), _clock, _options.MaxPushBodyBytes);
        _remoteWriteInstruments = new RemoteWriteInstruments();
        var remoteWrite = new RemoteWriteApi(
            new RemoteWriteReceiver(_storage, pushedMetadata, new PushSeriesCache(), _remoteWriteInstruments),
            _options.MaxPushBodyBytes, _loggerFactory.CreateLogger<RemoteWriteApi>());
        var otlp = new OtlpApi(Otlp, _loggerFactory.CreateLogger<OtlpApi>());
        var optimizations = new OptimizationsApi(() => _optimizer, _options.Listen);
        var profiles = new ProfilesApi(new ProfileStore(_options.Agent ? null : _options.DataDirectory, _clock));
        var insights = new InsightsApi(() => _analysis);
        var security = new SecurityStatusApi(access, _options);
        var runtime = new RuntimeStatusApi(_startedAt, () => LastConfigReloadSuccessful, () => _reloader?.LastSuccess ?? _startedAt, _options, _clock);

        var routes = new List<Route>(DashboardEndpoints.Routes(ctx => WriteTextAsync(ctx, StatusCodes.Status200OK, IndexText)))
        {
            new(GetHead, "/-/healthy", AccessScope.Public, ctx => WriteTextAsync(ctx, StatusCodes.Status200OK, "Vigil is Healthy.\n"), "liveness"),
            new(GetHead, "/-/ready", AccessScope.Public, ctx => IsReady
                ? WriteTextAsync(ctx, StatusCodes.Status200OK, "Vigil is Ready.\n")
                : WriteTextAsync(ctx, StatusCodes.Status503ServiceUnavailable, "Service Unavailable\n"), "readiness"),
            new(Post, "/-/login", AccessScope.Public, ctx => LoginPage.LoginAsync(ctx, access), "the dashboard's sign-in form (checks the bearer token it is given)"),
            new(Post, "/-/logout", AccessScope.Public, LoginPage.LogoutAsync, "forgets the dashboard's sign-in cookie"),
            new(Get, "/metrics", AccessScope.Read, ctx =>
            {
                ctx.Response.ContentType = ExpositionFormat.PrometheusTextContentType;
                return TextFormatWriter.WriteAsync(ctx.Response.Body, selfMetrics.Collect(), ExpositionFormatKind.PrometheusText, ctx.RequestAborted);
            }, "Vigil's own metrics"),
            new(GetPost, "/api/v1/query", AccessScope.Read, api.QueryAsync, "PromQL instant query"),
            new(GetPost, "/api/v1/query_range", AccessScope.Read, api.QueryRangeAsync, "PromQL range query"),
            new(GetPost, "/api/v1/format_query", AccessScope.Read, api.FormatQueryAsync, "PromQL formatting"),
            new(GetPost, "/api/v1/query_exemplars", AccessScope.Read, api.QueryExemplarsAsync, "exemplars"),
            new(Get, "/api/v1/status/buildinfo", AccessScope.Read, api.BuildInfoAsync, "version information"),
            new(Get, "/api/v1/status/runtimeinfo", AccessScope.Read, runtime.RuntimeInfoAsync, "start time, reload state, threads, retention"),
            new(Get, "/api/v1/status/flags", AccessScope.Read, runtime.FlagsAsync, "the command-line flags in force"),
            new(GetHead, "/graph", AccessScope.Read, GraphRedirect, "redirects Prometheus's graph links (g0.expr) to the dashboard's Explore page"),
            new(GetPost, "/api/v1/series", AccessScope.Read, api.SeriesAsync, "series matching selectors"),
            new(GetPost, "/api/v1/labels", AccessScope.Read, api.LabelNamesAsync, "label names"),
            new(Get, "/api/v1/label/{name}/values", AccessScope.Read, api.LabelValuesAsync, "label values"),
            new(GetPost, "/api/v1/export", AccessScope.Read, api.ExportAsync, "raw samples as JSON lines"),
            new(Get, "/api/v1/status/tsdb", AccessScope.Read, tsdb.TsdbAsync, "cardinality statistics"),
            new(Get, "/api/v1/status/security", AccessScope.Read, security.StatusAsync, "TLS, authentication and the caller's scope"),
            new(Get, "/api/v1/status/config", AccessScope.Admin, config.ConfigAsync, "the configuration file (secrets hidden)"),
            new(PostPut, "/-/reload", AccessScope.Admin, ReloadEndpointAsync, "reload the configuration file"),
            new(Get, "/api/v1/rules", AccessScope.Read, rules.RulesAsync, "recording and alerting rules"),
            new(Get, "/api/v1/alerts", AccessScope.Read, rules.AlertsAsync, "active alerts"),
            new(Get, "/api/v1/targets", AccessScope.Read, targets.TargetsAsync, "scrape targets"),
            new(Get, "/api/v1/targets/metadata", AccessScope.Read, targets.TargetMetadataAsync, "metadata of scraped metrics"),
            new(Get, "/api/v1/metadata", AccessScope.Read, targets.MetadataAsync, "metric types and help texts"),
            new(Post, "/api/v1/import/prometheus", AccessScope.Write, push.ImportPrometheusAsync, "push samples in the text format"),
            new(Post, "/api/v1/push", AccessScope.Write, push.PushAsync, "push JSON metrics"),
            new(Post, "/api/v1/write", AccessScope.Write, remoteWrite.WriteAsync, "Prometheus remote-write 1.0 and 2.0"),
            new(Post, "/v1/metrics", AccessScope.Write, otlp.ExportAsync, "OTLP/HTTP metrics (protobuf or JSON)"),
            new(Post, "/api/v1/otlp/v1/metrics", AccessScope.Write, otlp.ExportAsync, "OTLP/HTTP metrics at Prometheus's path"),
            new(Get, "/api/v1/optimizations", AccessScope.Read, optimizations.ListAsync, "optimization history"),
            new(Get, "/api/v1/optimizations/audit", AccessScope.Read, optimizations.AuditAsync, "the optimizer's audit log"),
            new(Get, "/api/v1/optimizations/objectives", AccessScope.Read, optimizations.ObjectivesAsync, "the lever decider's objectives, choices and verdicts"),
            new(Get, "/api/v1/optimizations/{id}", AccessScope.Read, optimizations.GetAsync, "one optimization"),
            new(Post, "/api/v1/optimizations/{id}/approve", AccessScope.Admin, optimizations.ApproveAsync, "execute a pending action"),
            new(Post, "/api/v1/optimizations/{id}/reject", AccessScope.Admin, optimizations.RejectAsync, "reject a pending action"),
            new(Post, "/api/v1/optimizations/{id}/rollback", AccessScope.Admin, optimizations.RollbackAsync, "undo an action"),
            new(Post, "/api/v1/profiles", AccessScope.Write, profiles.UploadAsync, "upload a CPU profile"),
            new(Get, "/api/v1/profiles", AccessScope.Read, profiles.ListAsync, "CPU profiles"),
            new(Get, "/api/v1/profiles/{id}", AccessScope.Read, profiles.GetAsync, "one CPU profile"),
            new(Get, "/api/v1/insights", AccessScope.Read, insights.ListAsync, "analysis insights"),
            new(Get, "/api/v1/insights/{id}", AccessScope.Read, insights.GetAsync, "one insight"),
        };
        if (_options.Agent)
        {
            routes.RemoveAll(r => !AgentRoutes.Contains(r.Pattern));
        }
        return routes;
    }

    /// <summary>
    /// <c>/graph?g0.expr=…&amp;g0.tab=1</c>, the links Prometheus puts in alerts and Grafana's "explore in Prometheus",
    /// answered with a redirect to <c>/explore</c> with the same expression (tab 1 is Prometheus's table, 0 its graph).
    /// </summary>
    private static Task GraphRedirect(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        var target = new System.Text.StringBuilder(ctx.Request.PathBase.Value).Append("/explore");
        char sep = '?';
        if (q["g0.expr"].ToString() is { Length: > 0 } expr)
        {
            target.Append(sep).Append("expr=").Append(Uri.EscapeDataString(expr));
            sep = '&';
        }
        target.Append(sep).Append("tab=").Append(q["g0.tab"].ToString() == "1" ? "table" : "graph");
        if (q["g0.range_input"].ToString() is { Length: > 0 } range && Vigil.Core.Model.PrometheusDuration.TryParse(range, out _, out _))
        {
            target.Append("&range=").Append(Uri.EscapeDataString(range));
        }
        ctx.Response.Redirect(target.ToString());
        return Task.CompletedTask;
    }

    /// <summary>What <c>vigil agent</c> serves: health, its own metrics, targets and metadata, the push endpoints, reload.</summary>
    private static readonly HashSet<string> AgentRoutes = new(StringComparer.Ordinal)
    {
        "/-/healthy", "/-/ready", "/-/reload", "/metrics", "/api/v1/status/buildinfo", "/api/v1/status/security", "/api/v1/status/config",
        "/api/v1/targets", "/api/v1/targets/metadata", "/api/v1/metadata",
        "/api/v1/import/prometheus", "/api/v1/push", "/api/v1/write", "/v1/metrics", "/api/v1/otlp/v1/metrics",
    };
}
