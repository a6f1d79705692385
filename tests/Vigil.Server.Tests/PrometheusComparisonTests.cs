using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Import;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;

namespace Vigil.Server.Tests;

/// <summary>
/// The same OpenMetrics file loaded into Debian's Prometheus 2.42 (<c>promtool tsdb create-blocks-from openmetrics</c>,
/// then <c>prometheus</c> on a free loopback port) and into Vigil (<c>vigil import openmetrics</c>'s importer, then an
/// in-process <see cref="VigilServer"/>), so the tests can ask both the same questions over HTTP.
/// </summary>
public sealed class PrometheusPairFixture : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-vs-prom-").FullName;
    private readonly StringBuilder _promOutput = new();
    private Process? _prometheus;
    private TsdbStorage? _storage;
    private VigilServer? _server;

    public HttpClient Prometheus { get; private set; } = null!;

    public HttpClient Vigil { get; private set; } = null!;

    public string PrometheusLog
    {
        get
        {
            lock (_promOutput)
            {
                return _promOutput.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        string prometheus = Processes.FindExecutable("prometheus")
            ?? throw new InvalidOperationException("prometheus is not installed; ./test.sh installs it (apt-get install prometheus)");
        string promtool = Processes.FindExecutable("promtool")
            ?? throw new InvalidOperationException("promtool is not installed; ./test.sh installs it (apt-get install prometheus)");
        string data = Path.Combine(_dir, "data.om");
        await File.WriteAllTextAsync(data, ComparisonData.Generate());

        string promData = Path.Combine(_dir, "prometheus");
        var (code, output) = await RunAsync(promtool, "tsdb", "create-blocks-from", "openmetrics", data, promData);
        if (code != 0)
        {
            throw new InvalidOperationException($"promtool create-blocks-from failed with {code}:\n{output}");
        }
        string config = Path.Combine(_dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, "scrape_configs: []\n");
        int port = Processes.FreePort();
        var psi = new ProcessStartInfo(prometheus)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--config.file=" + config);
        psi.ArgumentList.Add("--storage.tsdb.path=" + promData);
        // Note: the data is from 2023; the default 15 d retention would delete it at start-up.
        psi.ArgumentList.Add("--storage.tsdb.retention.time=100y");
        psi.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        _prometheus = Process.Start(psi)!;
        _prometheus.OutputDataReceived += (_, e) => { lock (_promOutput) { _promOutput.AppendLine(e.Data); } };
        _prometheus.ErrorDataReceived += (_, e) => { lock (_promOutput) { _promOutput.AppendLine(e.Data); } };
        _prometheus.BeginOutputReadLine();
        _prometheus.BeginErrorReadLine();
        Prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
        await Processes.WaitForHttpAsync(Prometheus, "/-/ready", _prometheus, () => PrometheusLog, TimeSpan.FromSeconds(60));

        string vigilData = Path.Combine(_dir, "vigil");
        Directory.CreateDirectory(vigilData);
        new OpenMetricsImporter(NullLogger.Instance).Import(data, vigilData);
        _storage = TsdbStorage.Open(new TsdbOptions { DataDir = vigilData, DisableBackgroundMaintenance = true });
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            CollectSelf = false,
        }, _storage);
        await _server.StartAsync();
        Vigil = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Prometheus?.Dispose();
        Vigil?.Dispose();
        if (_prometheus is not null)
        {
            if (!_prometheus.HasExited)
            {
                _prometheus.Kill(entireProcessTree: true);
                await _prometheus.WaitForExitAsync();
            }
            _prometheus.Dispose();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _storage?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<(int Code, string Output)> RunAsync(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}

/// <summary>
/// Asks Prometheus 2.42 and Vigil the same queries over the same data and compares status, result type, series,
/// timestamps (as written in the JSON) and values (1e-9 relative). Instant vectors are compared as sets unless the
/// query sorts; matrices are sorted by labels on both sides. Only queries whose semantics did not change between
/// Prometheus 2 and 3 are listed (see <see cref="ComparisonData"/> for how the data avoids the changed corners).
/// </summary>
[Collection(EmbeddedTsdbCollection.Name)]
public sealed class PrometheusComparisonTests(PrometheusPairFixture pair) : IClassFixture<PrometheusPairFixture>
{
    private const double Tolerance = 1e-9;

    /// <summary>Instant query times: 65 min, 90 min and 119 min into the data, all 7 s past a minute.</summary>
    private static readonly long[] InstantTimes = [ComparisonData.Start + 3907, ComparisonData.Start + 5407, ComparisonData.Start + 7147];

    private const long RangeStart = ComparisonData.Start + 3727;
    private const long RangeEnd = ComparisonData.Start + 7087;
    private const int RangeStep = 60;

    /// <summary>Vector and scalar queries, each run as an instant query at three times and as a range query.</summary>
    public static readonly string[] Queries =
    [
        "http_requests_total",
        "http_requests_total{job=\"api\",code!=\"200\"}",
        "{__name__=~\"node_temp.*\",sensor=~\"c.u\"}",
        "up == 0",
        "up > bool 0",
        "node_temperature_celsius > 50",
        "-node_temperature_celsius",
        "rate(http_requests_total[5m])",
        "irate(http_requests_total[5m])",
        "increase(http_requests_total[10m])",
        "rate(http_requests_total{job=\"web\",instance=\"host-2:8080\",code=\"200\"}[10m])",
        "resets(http_requests_total[2h])",
        "sum by (job) (rate(http_requests_total[5m]))",
        "sum without (instance, method) (rate(http_requests_total[5m]))",
        "sum(rate(http_requests_total[5m])) by (job) > 10",
        "avg(rate(http_requests_total[5m])) * 60",
        "avg by (instance) (node_temperature_celsius)",
        "max by (sensor) (node_temperature_celsius)",
        "min(node_temperature_celsius)",
        "count by (job) (up == 1)",
        "count(count by (instance) (up))",
        "group by (job) (up)",
        "stddev(node_temperature_celsius)",
        "stdvar by (sensor) (node_temperature_celsius)",
        "quantile(0.9, node_temperature_celsius)",
        "topk(3, rate(http_requests_total[5m]))",
        "bottomk(2, node_temperature_celsius)",
        "count_values(\"value\", up)",
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
        "histogram_quantile(0.5, sum by (job, le) (rate(http_request_duration_seconds_bucket[10m])))",
        "rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m])",
        "avg_over_time(node_temperature_celsius[30m])",
        "min_over_time(node_temperature_celsius[10m])",
        "max_over_time(node_temperature_celsius[10m])",
        "sum_over_time(queue_depth[10m])",
        "count_over_time(queue_depth[10m])",
        "quantile_over_time(0.9, node_temperature_celsius[30m])",
        "stddev_over_time(node_temperature_celsius[30m])",
        "last_over_time(queue_depth[1h])",
        "present_over_time(queue_depth[5m])",
        "changes(node_temperature_celsius[10m])",
        "delta(node_temperature_celsius[10m])",
        "idelta(node_temperature_celsius[5m])",
        "deriv(node_temperature_celsius[15m])",
        "predict_linear(node_temperature_celsius[15m], 3600)",
        "max_over_time(rate(http_requests_total[5m])[30m:1m])",
        "avg_over_time(sum by (job) (rate(http_requests_total[5m]))[20m:2m])",
        "rate(http_requests_total[5m]) * on (instance) group_left (version) app_info",
        "sum by (instance) (rate(http_requests_total[5m])) / on (instance) group_left sum by (instance) (up)",
        "http_requests_total{code=\"500\"} and on (instance, job) up == 1",
        "up == 0 or node_temperature_celsius > 60",
        "http_requests_total unless on (job) http_requests_total{job=\"api\"}",
        "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
        "label_join(up, \"target\", \"/\", \"job\", \"instance\")",
        "abs(delta(node_temperature_celsius[5m]))",
        "ceil(node_temperature_celsius) - floor(node_temperature_celsius)",
        "round(node_temperature_celsius, 5)",
        "sqrt(node_temperature_celsius) + ln(node_temperature_celsius) + exp(up) + log2(node_temperature_celsius)",
        "clamp(node_temperature_celsius, 45, 55)",
        "clamp_min(node_temperature_celsius, 50) + clamp_max(node_temperature_celsius, 50)",
        "sgn(delta(node_temperature_celsius[5m]))",
        "sin(node_temperature_celsius) * cos(node_temperature_celsius)",
        "timestamp(queue_depth)",
        "queue_depth",
        "absent(nonexistent_metric{job=\"x\"})",
        "absent(up)",
        "absent_over_time(queue_depth{instance=\"host-3:8080\"}[5m])",
        "vector(1)",
        "scalar(sum(up))",
        "time()",
        "hour() + minute() + day_of_week() + days_in_month() + year()",
        "http_requests_total offset 10m",
        "http_requests_total @ 1700003600",
        "rate(http_requests_total[5m] @ 1700003000)",
        "2 ^ 3 ^ 2 + 1 * 2 % 3",
        "sort(node_temperature_celsius)",
        "sort_desc(sum by (job, instance) (rate(http_requests_total[5m])))",
    ];

    /// <summary>Queries that return a range vector: instant only.</summary>
    public static readonly string[] MatrixQueries =
    [
        "node_temperature_celsius{sensor=\"cpu\"}[1m]",
        "rate(http_requests_total{code=\"500\"}[5m])[10m:2m]",
        "queue_depth[5m] offset 30m",
    ];

    /// <summary>Queries both must reject: (query, HTTP status, errorType, compare the message too).</summary>
    public static readonly TheoryData<string, int, string, bool> BadQueries = new()
    {
        { "http_requests_total{", 400, "bad_data", true },
        { "sum(", 400, "bad_data", true },
        { "foo(up)", 400, "bad_data", true },
        { "rate(up)", 400, "bad_data", true },
        { "up[5m", 400, "bad_data", false },
        { "1 +", 400, "bad_data", false },
        { "http_requests_total * on () up", 422, "execution", false },
        { "sum by (job) (up) + on (job) up", 422, "execution", false },
        { "ln(label_replace({__name__=~\"queue_depth|app_info\"}, \"version\", \"\", \"\", \"\"))", 422, "execution", false },
    };

    public static IEnumerable<object[]> QueryCases() => Queries.Select(q => new object[] { q });

    public static IEnumerable<object[]> MatrixCases() => MatrixQueries.Select(q => new object[] { q });

    [Fact]
    public async Task DataSet_LoadedCompletelyOnBothSides()
    {
        // Guards the comparisons against passing on two empty databases.
        var form = new[] { ("query", "count({__name__=~\".+\"}) + scalar(count_over_time(http_requests_total{job=\"api\",instance=\"host-1:8080\",code=\"200\"}[3h]))"), ("time", (ComparisonData.Start + 7200).ToString(CultureInfo.InvariantCulture)) };
        foreach (var http in new[] { pair.Prometheus, pair.Vigil })
        {
            var (status, root) = await PostAsync(http, "api/v1/query", form);
            Assert.Equal(200, status);
            var sample = Assert.Single(root.GetProperty("data").GetProperty("result").EnumerateArray());
            // 12 counters + 6 gauges + 6 × 14 histogram series + 2 queues still present + 6 up + 3 info = 113 series, plus 480 samples.
            Assert.Equal("593", sample.GetProperty("value")[1].GetString());
        }
    }

    [Theory]
    [MemberData(nameof(QueryCases))]
    public async Task InstantQuery_SameAsPrometheus(string query)
    {
        foreach (long t in InstantTimes)
        {
            await CompareAsync("api/v1/query", query, ("time", t.ToString(CultureInfo.InvariantCulture)));
        }
    }

    [Theory]
    [MemberData(nameof(QueryCases))]
    public Task RangeQuery_SameAsPrometheus(string query)
        => CompareAsync("api/v1/query_range", query,
            ("start", RangeStart.ToString(CultureInfo.InvariantCulture)), ("end", RangeEnd.ToString(CultureInfo.InvariantCulture)),
            ("step", RangeStep.ToString(CultureInfo.InvariantCulture)));

    [Theory]
    [MemberData(nameof(MatrixCases))]
    public Task InstantMatrixQuery_SameAsPrometheus(string query)
        => CompareAsync("api/v1/query", query, ("time", InstantTimes[1].ToString(CultureInfo.InvariantCulture)));

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task BadQuery_SameErrorAsPrometheus(string query, int status, string errorType, bool sameMessage)
    {
        var form = new[] { ("query", query), ("time", InstantTimes[0].ToString(CultureInfo.InvariantCulture)) };
        var (promStatus, prom) = await PostAsync(pair.Prometheus, "api/v1/query", form);
        var (vigilStatus, vigil) = await PostAsync(pair.Vigil, "api/v1/query", form);
        Assert.Equal(status, promStatus);
        Assert.Equal(status, vigilStatus);
        Assert.Equal(errorType, prom.GetProperty("errorType").GetString());
        Assert.Equal(errorType, vigil.GetProperty("errorType").GetString());
        if (sameMessage)
        {
            Assert.Equal(prom.GetProperty("error").GetString(), vigil.GetProperty("error").GetString());
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-15")]
    [InlineData("abc")]
    public async Task BadStep_BothReject400(string step)
    {
        var form = new[] { ("query", "up"), ("start", RangeStart.ToString(CultureInfo.InvariantCulture)), ("end", RangeEnd.ToString(CultureInfo.InvariantCulture)), ("step", step) };
        var (promStatus, prom) = await PostAsync(pair.Prometheus, "api/v1/query_range", form);
        var (vigilStatus, vigil) = await PostAsync(pair.Vigil, "api/v1/query_range", form);
        Assert.Equal(400, promStatus);
        Assert.Equal(400, vigilStatus);
        Assert.Equal(prom.GetProperty("error").GetString(), vigil.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("api/v1/series?match[]=up&start=1700000000&end=1700007200")]
    [InlineData("api/v1/series?match[]=%7B__name__%3D~%22http_req.*%22%2Ccode%3D%22500%22%7D&match[]=app_info")]
    [InlineData("api/v1/labels?start=1700000000&end=1700007200")]
    [InlineData("api/v1/labels?match[]=queue_depth")]
    [InlineData("api/v1/label/__name__/values")]
    [InlineData("api/v1/label/instance/values?match[]=up%7Bjob%3D%22web%22%7D")]
    [InlineData("api/v1/label/le/values")]
    public async Task MetadataEndpoints_SameBodyAsPrometheus(string url)
    {
        string prom = await pair.Prometheus.GetStringAsync(url);
        string vigil = await pair.Vigil.GetStringAsync(url);
        Assert.Equal(prom, vigil);
    }

    [Fact]
    public async Task FormatQuery_EveryListedQuery_SameTextAsPrometheus()
    {
        var differences = new List<string>();
        foreach (var query in Queries.Concat(MatrixQueries))
        {
            var (_, prom) = await PostAsync(pair.Prometheus, "api/v1/format_query", ("query", query));
            var (_, vigil) = await PostAsync(pair.Vigil, "api/v1/format_query", ("query", query));
            if (prom.GetProperty("data").GetString() != vigil.GetProperty("data").GetString())
            {
                differences.Add($"{query}\n  prometheus: {prom.GetProperty("data")}\n  vigil:      {vigil.GetProperty("data")}");
            }
        }
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    private async Task CompareAsync(string path, string query, params (string Name, string Value)[] parameters)
    {
        var form = parameters.Prepend(("query", query)).ToArray();
        var (promStatus, prom) = await PostAsync(pair.Prometheus, path, form);
        var (vigilStatus, vigil) = await PostAsync(pair.Vigil, path, form);
        string where = $"{path} {string.Join(" ", form.Select(f => f.Item1 + "=" + f.Item2))}";
        Assert.True(promStatus == 200, $"{where}: Prometheus answered {promStatus}: {prom}\n{pair.PrometheusLog}");
        Assert.True(vigilStatus == 200, $"{where}: Vigil answered {vigilStatus}: {vigil}");
        var pd = prom.GetProperty("data");
        var vd = vigil.GetProperty("data");
        string type = pd.GetProperty("resultType").GetString()!;
        Assert.True(type == vd.GetProperty("resultType").GetString(), $"{where}: resultType {type} vs {vd.GetProperty("resultType")}");
        var pr = pd.GetProperty("result");
        var vr = vd.GetProperty("result");
        var problems = new List<string>();
        switch (type)
        {
            case "scalar":
                ComparePoint(pr, vr, where, problems);
                break;
            case "vector":
            {
                bool ordered = query.StartsWith("sort", StringComparison.Ordinal);
                var ps = Entries(pr);
                var vs = Entries(vr);
                if (!ordered)
                {
                    ps.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                    vs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                }
                CompareKeys(ps, vs, where, problems);
                for (int i = 0; i < Math.Min(ps.Count, vs.Count) && problems.Count == 0; i++)
                {
                    ComparePoint(ps[i].Value.GetProperty("value"), vs[i].Value.GetProperty("value"), $"{where} {ps[i].Key}", problems);
                }
                break;
            }
            case "matrix":
            {
                var ps = Entries(pr);
                var vs = Entries(vr);
                CompareKeys(ps, vs, where, problems);
                for (int i = 0; i < Math.Min(ps.Count, vs.Count) && problems.Count < 5; i++)
                {
                    var pp = ps[i].Value.GetProperty("values").EnumerateArray().ToList();
                    var vp = vs[i].Value.GetProperty("values").EnumerateArray().ToList();
                    if (pp.Count != vp.Count)
                    {
                        problems.Add($"{where} {ps[i].Key}: {pp.Count} points vs {vp.Count}");
                        continue;
                    }
                    for (int j = 0; j < pp.Count; j++)
                    {
                        ComparePoint(pp[j], vp[j], $"{where} {ps[i].Key}", problems);
                    }
                }
                break;
            }
            default:
                problems.Add($"{where}: unexpected result type {type}");
                break;
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));
    }

    private static List<KeyValuePair<string, JsonElement>> Entries(JsonElement result)
        => result.EnumerateArray().Select(e => new KeyValuePair<string, JsonElement>(e.GetProperty("metric").GetRawText(), e)).ToList();

    private static void CompareKeys(List<KeyValuePair<string, JsonElement>> prom, List<KeyValuePair<string, JsonElement>> vigil, string where, List<string> problems)
    {
        var pk = prom.Select(e => e.Key).ToList();
        var vk = vigil.Select(e => e.Key).ToList();
        if (!pk.SequenceEqual(vk))
        {
            problems.Add($"{where}: series differ\n  prometheus: {string.Join(" ", pk)}\n  vigil:      {string.Join(" ", vk)}");
        }
    }

    /// <summary>Compares <c>[t,"v"]</c>: the timestamp as written, the value exactly or within the tolerance.</summary>
    private static void ComparePoint(JsonElement prom, JsonElement vigil, string where, List<string> problems)
    {
        string pt = prom[0].GetRawText();
        string vt = vigil[0].GetRawText();
        string pv = prom[1].GetString()!;
        string vv = vigil[1].GetString()!;
        if (pt != vt)
        {
            problems.Add($"{where}: timestamp {pt} vs {vt}");
            return;
        }
        if (pv == vv)
        {
            return;
        }
        double p = ParseValue(pv);
        double v = ParseValue(vv);
        bool close = double.IsFinite(p) && double.IsFinite(v) && Math.Abs(p - v) <= Tolerance * Math.Max(Math.Abs(p), Math.Abs(v));
        if (!close)
        {
            problems.Add($"{where} @{pt}: value {pv} vs {vv}");
        }
    }

    private static double ParseValue(string s) => s switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(s, CultureInfo.InvariantCulture),
    };

    private static async Task<(int Status, JsonElement Root)> PostAsync(HttpClient http, string path, params (string Name, string Value)[] form)
    {
        using var content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        using var r = await http.PostAsync(path, content);
        string body = await r.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(body);
        return ((int)r.StatusCode, doc.RootElement.Clone());
    }
}
