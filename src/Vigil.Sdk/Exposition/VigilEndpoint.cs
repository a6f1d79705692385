using System.Buffers;
using System.Text.Json;
using Vigil.Core.Exposition;
using Vigil.Sdk.Anomaly;
using Vigil.Sdk.Collectors;
using Vigil.Sdk.Summaries;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Exposition;

/// <summary>
/// Answers the SDK's HTTP requests, independent of the server hosting them: <c>/metrics</c> (Prometheus text or
/// OpenMetrics by <c>Accept</c>), <c>/vigil/tools</c> and <c>/vigil/tools/{tool}</c> (summaries as JSON, <c>?window=</c>
/// a duration such as <c>5m</c>, default 24h), <c>/vigil/collectors</c> (collector statistics as JSON), and once
/// <see cref="ServeTunables"/> is called <c>/vigil/tunables</c> (docs/TUNABLES.md).
/// </summary>
/// <remarks>Thread-safe. Used by <see cref="VigilHttpListener"/> and by the ASP.NET Core extension <c>MapVigil</c>.</remarks>
public sealed class VigilEndpoint
{
    /// <summary>Path of the metrics page.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Path of the tool summaries.</summary>
    public const string ToolsPath = "/vigil/tools";

    /// <summary>Path of the anomalies found by a watching detector (<see cref="ServeAnomalies"/>).</summary>
    public const string AnomaliesPath = "/vigil/anomalies";

    /// <summary>Suffix of a tool's path that answers its baseline: <c>/vigil/tools/{tool}/baseline</c>.</summary>
    public const string BaselineSuffix = "/baseline";

    /// <summary>Path of the collector statistics.</summary>
    public const string CollectorsPath = "/vigil/collectors";

    /// <summary>Content type of the JSON answers.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    private readonly List<RealTimeMetricsCollector> _collectors = new();

    /// <summary>Serves <paramref name="metrics"/> (and its profiler's summaries).</summary>
    public VigilEndpoint(VigilMetrics metrics)
    {
        Metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
    }

    /// <summary>The metrics served.</summary>
    public VigilMetrics Metrics { get; }

    /// <summary>Window of summaries when the request names none.</summary>
    public TimeSpan DefaultWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Adds a collector to <c>/vigil/collectors</c> (and to <c>/metrics</c>).</summary>
    public void AddCollector(RealTimeMetricsCollector collector)
    {
        ArgumentNullException.ThrowIfNull(collector);
        Metrics.AddCollector(collector);
        lock (_collectors)
        {
            if (!_collectors.Contains(collector))
            {
                _collectors.Add(collector);
            }
        }
    }

    /// <summary>The detector whose baselines and anomalies are served, once <see cref="ServeAnomalies"/> was called.</summary>
    public ToolAnomalyDetector? Anomalies { get; private set; }

    /// <summary>
    /// Serves <paramref name="detector"/>'s baselines on <c>/vigil/tools/{tool}/baseline</c> and the anomalies it found
    /// while watching on <c>/vigil/anomalies?window=</c>, and exports its scores and anomaly counts on <c>/metrics</c>.
    /// </summary>
    public void ServeAnomalies(ToolAnomalyDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        Anomalies = detector;
        Metrics.AddAnomalyDetector(detector);
    }

    /// <summary>The tunables served on <c>/vigil/tunables</c>, once <see cref="ServeTunables"/> was called.</summary>
    public TunableEndpoint? Tunables { get; private set; }

    /// <summary>
    /// Serves <paramref name="registry"/> on <c>/vigil/tunables</c> (with <paramref name="token"/> as bearer token, see
    /// docs/TUNABLES.md) and exports its values on <c>/metrics</c>. Call once, before requests arrive.
    /// </summary>
    public TunableEndpoint ServeTunables(TunableRegistry registry, string? token = null)
    {
        var tunables = new TunableEndpoint(registry, token);
        if (Tunables is not null)
        {
            throw new InvalidOperationException("this endpoint already serves a tunable registry");
        }
        Tunables = tunables;
        Metrics.AddTunables(registry);
        return tunables;
    }

    /// <summary>True when <paramref name="path"/> is one this endpoint answers.</summary>
    public static bool Handles(string path)
        => path == MetricsPath || path == ToolsPath || path == CollectorsPath || path == AnomaliesPath
            || path.StartsWith(ToolsPath + "/", StringComparison.Ordinal) || TunableEndpoint.Handles(path);

    /// <summary>
    /// Answers one request: writes the body to <paramref name="body"/> and returns the HTTP status.
    /// <paramref name="path"/> is the URL path (percent-encoded), <paramref name="query"/> the query string without <c>?</c>.
    /// </summary>
    public int Handle(string method, string path, string? query, string? accept, IBufferWriter<byte> body, out string contentType)
        => Handle(new VigilRequest { Method = method, Path = path, Query = query, Accept = accept }, body, out contentType);

    /// <summary>
    /// Answers one request: writes the body to <paramref name="body"/> and returns the HTTP status. A 401 answer needs
    /// the header <c>WWW-Authenticate: Bearer</c>, which the host adds.
    /// </summary>
    public int Handle(in VigilRequest request, IBufferWriter<byte> body, out string contentType)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(request.Path);
        if (TunableEndpoint.Handles(request.Path))
        {
            contentType = JsonContentType;
            return Tunables is { } tunables
                ? tunables.Handle(request.Method, request.Path, request.Authorization, request.Body.Span, request.BeyondLoopback, body)
                : ErrorJson.Write(body, 404, "this application serves no tunables");
        }
        // Note: answers are built in a private buffer so a failure half-way never leaves half a payload in the response.
        var buffer = new ArrayBufferWriter<byte>(4096);
        int status = HandleCore(request.Method, request.Path, request.Query, request.Accept, buffer, out contentType);
        body.Write(buffer.WrittenSpan);
        return status;
    }

    private int HandleCore(string method, string path, string? query, string? accept, ArrayBufferWriter<byte> body, out string contentType)
    {
        contentType = JsonContentType;
        if (method is not ("GET" or "HEAD"))
        {
            return Error(body, 405, $"method {method} is not allowed; use GET");
        }
        try
        {
            if (path == MetricsPath)
            {
                var format = ExpositionFormat.FromAcceptHeader(accept);
                contentType = ExpositionFormat.ContentType(format);
                Metrics.Write(body, format);
                return 200;
            }
            if (!TryWindow(query, out var window, out string error))
            {
                return Error(body, 400, error);
            }
            if (path == ToolsPath)
            {
                if (Metrics.Profiler is not { } profiler)
                {
                    return Error(body, 404, "no tool profiler is attached to this endpoint");
                }
                using var w = new Utf8JsonWriter(body);
                SummaryJson.WriteSummaries(w, window, profiler.GetSummaries(window));
                return 200;
            }
            if (path == AnomaliesPath)
            {
                if (Anomalies is not { } detector)
                {
                    return Error(body, 404, "no anomaly detector is attached to this endpoint");
                }
                using var w = new Utf8JsonWriter(body);
                AnomalyJson.WriteAnomalies(w, window, detector.RecentAnomalies(window));
                return 200;
            }
            if (path.StartsWith(ToolsPath + "/", StringComparison.Ordinal) && path.EndsWith(BaselineSuffix, StringComparison.Ordinal)
                && path.Length > ToolsPath.Length + 1 + BaselineSuffix.Length)
            {
                // Note: a tool whose name ends in "/baseline" is asked for as ".../x%2Fbaseline", so the suffix is unambiguous.
                string tool = Uri.UnescapeDataString(path[(ToolsPath.Length + 1)..^BaselineSuffix.Length]);
                if (Anomalies is not { } detector)
                {
                    return Error(body, 404, "no anomaly detector is attached to this endpoint");
                }
                if (detector.GetBaseline(tool) is not { } baseline)
                {
                    return Error(body, 404, $"no baseline for tool \"{tool}\" (it needs {detector.Options.MinTrainingRuns} runs and a training pass)");
                }
                using var w = new Utf8JsonWriter(body);
                AnomalyJson.WriteBaseline(w, baseline, detector.GetStatus(tool));
                return 200;
            }
            if (path.StartsWith(ToolsPath + "/", StringComparison.Ordinal))
            {
                string tool = Uri.UnescapeDataString(path[(ToolsPath.Length + 1)..]);
                if (Metrics.Profiler is not { } profiler)
                {
                    return Error(body, 404, "no tool profiler is attached to this endpoint");
                }
                var summary = profiler.GetSummary(tool, window);
                if (summary is null)
                {
                    return Error(body, 404, $"no performance data for tool \"{tool}\" in the last {window.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} s");
                }
                using var w = new Utf8JsonWriter(body);
                SummaryJson.WriteSummary(w, summary);
                return 200;
            }
            if (path == CollectorsPath)
            {
                WriteCollectors(body, window);
                return 200;
            }
            return Error(body, 404, $"no such path: {path}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Note: a failing source must answer 500 with the reason, never take down the host's request loop.
            contentType = JsonContentType;
            body.ResetWrittenCount();
            return Error(body, 500, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private void WriteCollectors(IBufferWriter<byte> body, TimeSpan window)
    {
        RealTimeMetricsCollector[] collectors;
        lock (_collectors)
        {
            collectors = [.. _collectors];
        }
        using var w = new Utf8JsonWriter(body);
        w.WriteStartObject();
        w.WriteNumber("window_seconds", window.TotalSeconds);
        w.WriteStartArray("metrics");
        foreach (var c in collectors)
        {
            foreach (string name in c.Names)
            {
                var points = c.GetMetricValues(name, window);
                w.WriteStartObject();
                w.WriteString("name", name);
                if (points.Count > 0)
                {
                    w.WriteNumber("latest", points[^1].Value);
                }
                else
                {
                    w.WriteNull("latest");
                }
                SummaryJson.WriteDistribution(w, "statistics", c.CalculateStatistics(name, window));
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private bool TryWindow(string? query, out TimeSpan window, out string error)
    {
        window = DefaultWindow;
        error = string.Empty;
        if (string.IsNullOrEmpty(query))
        {
            return true;
        }
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? part : part[..eq];
            if (key != "window")
            {
                continue;
            }
            string value = Uri.UnescapeDataString((eq < 0 ? string.Empty : part[(eq + 1)..]).Replace('+', ' '));
            if (!DurationText.TryParse(value, out window, out string why) || window <= TimeSpan.Zero)
            {
                error = $"parameter window: {(why.Length > 0 ? why : $"\"{value}\" must be positive")}";
                return false;
            }
        }
        return true;
    }

    private static int Error(IBufferWriter<byte> body, int status, string message) => ErrorJson.Write(body, status, message);
}
