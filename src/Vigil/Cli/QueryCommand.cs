using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Core.Model;
using Vigil.PromQL.Engine;
using Vigil.Server.Api;

namespace Vigil.Cli;

/// <summary>
/// <c>vigil query EXPR</c>: evaluates PromQL at one time (<c>--time</c>) or over a range (<c>--start</c>, <c>--end</c>,
/// <c>--step</c>), against a data directory (read-only) or a running server's <c>/api/v1/query</c> and
/// <c>/api/v1/query_range</c>, and prints a table, the API's JSON, or CSV.
/// </summary>
internal static class QueryCommand
{
    private const int MaxAutoPoints = 250;

    public static Command Create(IStorageProvider storageProvider, TextWriter stdout, TextWriter stderr)
    {
        var expr = new Argument<string>("EXPR") { Description = "The PromQL expression, e.g. 'sum by (mode) (rate(node_cpu_seconds_total[5m]))'." };
        var time = CommonOptions.Time("--time", "Evaluate once at this time: Unix seconds, RFC 3339, now or now-1h. Default: now.");
        var start = CommonOptions.Time("--start", "Range query from this time (same forms as --time). Default with --end or --step: 1 hour before --end.");
        var end = CommonOptions.Time("--end", "Range query up to this time (same forms as --time). Default with --start or --step: now.");
        var step = CommonOptions.Step("Range query resolution: a duration (15s, 1m) or seconds (15). Default: the range divided by 250, at least 1s.");
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format: table (aligned columns), json (the Prometheus API's data object) or csv (one row per sample).",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "json", "csv");
        var server = CommonOptions.Server();
        var dataDir = CommonOptions.OfflineDataDir();
        var command = new Command("query", "Evaluate a PromQL expression at one time or over a range and print the result.")
        {
            expr, time, start, end, step, output, server, dataDir,
        };
        var auth = new ServerAuthOptions().AddTo(command);
        CommonOptions.AddSourceValidator(command, server, dataDir);
        command.Validators.Add(r =>
        {
            bool range = r.GetResult(start) is not null || r.GetResult(end) is not null || r.GetResult(step) is not null;
            if (range && r.GetResult(time) is not null)
            {
                r.AddError("--time cannot be combined with --start, --end or --step: give one time for an instant query, or a range");
            }
        });
        command.SetAction(async (result, ct) =>
        {
            long now = Timestamp.Now();
            string query = result.GetValue(expr)!;
            bool isRange = result.GetResult(start) is not null || result.GetResult(end) is not null || result.GetResult(step) is not null;
            var request = isRange
                ? RangeRequest(query, CommonOptions.TimeValue(result, start, now), CommonOptions.TimeValue(result, end, now) ?? now, result.GetValue(step))
                : new QueryRequest(query, CommonOptions.TimeValue(result, time, now) ?? now, 0, 0);
            var (value, warnings) = result.GetValue(dataDir) is { } dir
                ? await FromDataDirAsync(storageProvider, dir, request, ct).ConfigureAwait(false)
                : await FromServerAsync(auth.Target(result, result.GetValue(server)!), request, ct).ConfigureAwait(false);
            foreach (var w in warnings)
            {
                await stderr.WriteLineAsync("vigil: " + w).ConfigureAwait(false);
            }
            string text = result.GetValue(output) switch
            {
                "json" => Json(value),
                "csv" => Csv(value),
                _ => Table(value),
            };
            await stdout.WriteAsync(text).ConfigureAwait(false);
            if (value is VectorValue { Samples.Count: 0 } or MatrixValue { Series.Count: 0 })
            {
                string why = result.GetValue(dataDir) is { } emptyDir
                    ? $"no series match in {Path.GetFullPath(emptyDir)}; vigil series --match '{{__name__=~\".+\"}}' --data-dir {emptyDir} lists what is stored"
                    : await ExplainEmptyAsync(auth.Target(result, result.GetValue(server)!), ct).ConfigureAwait(false);
                await stderr.WriteLineAsync("vigil: " + why).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    /// <summary>What to evaluate: <paramref name="Step"/> 0 means an instant query at <paramref name="Start"/>.</summary>
    internal sealed record QueryRequest(string Query, long Start, long End, long Step);

    private static QueryRequest RangeRequest(string query, long? startMs, long endMs, string? stepText)
    {
        long start = startMs ?? endMs - 3_600_000;
        if (endMs < start)
        {
            throw new CliException($"--end ({CliValues.FormatApiTime(endMs)}) is before --start ({CliValues.FormatApiTime(start)})", VigilCli.UsageError);
        }
        long step;
        if (stepText is null)
        {
            // Note: as promtool does, about 250 points, in whole seconds.
            step = Math.Max((endMs - start) / MaxAutoPoints / 1000 * 1000, 1000);
        }
        else
        {
            TryParseStep(stepText, out step, out _);
        }
        return new QueryRequest(query, start, endMs, step);
    }

    /// <summary>A step: a Prometheus duration or (fractional) seconds, at least one millisecond.</summary>
    internal static bool TryParseStep(string text, out long stepMs, out string error)
    {
        error = string.Empty;
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out double seconds)
            && double.IsFinite(seconds) && seconds < 1e12)
        {
            stepMs = (long)(seconds * 1000);
        }
        else if (PrometheusDuration.TryParse(text, out var d, out _))
        {
            stepMs = (long)d.TotalMilliseconds;
        }
        else
        {
            stepMs = 0;
            error = $"invalid step \"{text}\": use a duration such as 15s or 1m, or seconds such as 15";
            return false;
        }
        if (stepMs <= 0)
        {
            error = $"invalid step \"{text}\": must be at least 1ms";
            return false;
        }
        return true;
    }

    internal static async Task<(QueryValue Value, IReadOnlyList<string> Warnings)> FromDataDirAsync(IStorageProvider provider, string dataDir, QueryRequest request, CancellationToken ct)
    {
        var store = DataDirs.OpenReadOnly(provider, dataDir);
        try
        {
            var engine = new PromQLEngine();
            var result = request.Step == 0
                ? engine.InstantQuery(store, request.Query, request.Start, null, ct)
                : engine.RangeQuery(store, request.Query, request.Start, request.End, request.Step, null, ct);
            return (result.Value, [.. result.Warnings, .. result.Infos]);
        }
        catch (PromQLException e)
        {
            throw new CliException($"query failed ({e.ErrorType.ApiName()}): {e.Message}");
        }
        finally
        {
            await ServeCommand.CloseAsync(store).ConfigureAwait(false);
        }
    }

    internal static async Task<(QueryValue Value, IReadOnlyList<string> Warnings)> FromServerAsync(ServerTarget target, QueryRequest request, CancellationToken ct)
    {
        var url = target.Url;
        using var remote = new RemoteServer(target);
        var form = new List<KeyValuePair<string, string>> { new("query", request.Query) };
        string path;
        if (request.Step == 0)
        {
            path = "api/v1/query";
            form.Add(new("time", CliValues.FormatApiTime(request.Start)));
        }
        else
        {
            path = "api/v1/query_range";
            form.Add(new("start", CliValues.FormatApiTime(request.Start)));
            form.Add(new("end", CliValues.FormatApiTime(request.End)));
            form.Add(new("step", (request.Step / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)));
        }
        using var response = await remote.PostAsync(path, form, ct).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: ct).ConfigureAwait(false);
        var warnings = new List<string>();
        foreach (var name in new[] { "warnings", "infos" })
        {
            if (doc.RootElement.TryGetProperty(name, out var list))
            {
                warnings.AddRange(list.EnumerateArray().Select(w => w.GetString() ?? string.Empty));
            }
        }
        try
        {
            return (ParseData(doc.RootElement.GetProperty("data")), warnings);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CliException($"{new Uri(url, path)} answered with an unexpected result: {e.Message}");
        }
    }

    /// <summary>
    /// Why a query against a server found nothing, from its <c>/api/v1/targets</c>: how many scrape targets it has and
    /// how many are up, with where to add them. A server without that API gets the generic hint.
    /// </summary>
    internal static async Task<string> ExplainEmptyAsync(ServerTarget target, CancellationToken ct)
    {
        const string AddTargets = "add targets under scrape_configs: in vigil.yaml (README.md, Configuration) or push to /api/v1/push, /api/v1/write or OTLP /v1/metrics";
        const string ListStored = "vigil series --match '{__name__=~\".+\"}' lists what is stored";
        try
        {
            using var http = target.CreateClient(TimeSpan.FromSeconds(10));
            using var response = await http.GetAsync("api/v1/targets?state=active", ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return $"no series match; {ListStored}";
            }
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            var active = doc.RootElement.GetProperty("data").GetProperty("activeTargets");
            int total = active.GetArrayLength();
            int up = active.EnumerateArray().Count(t => t.TryGetProperty("health", out var h) && h.GetString() == "up");
            return total == 0
                ? $"no series match; configured scrape targets: 0 — {AddTargets}; {ListStored}"
                : $"no series match; configured scrape targets: {total} ({up} up, see {new Uri(target.Url, "targets")}); {ListStored}";
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or TaskCanceledException)
        {
            return $"no series match; {ListStored}";
        }
    }

    /// <summary>Reads the API's <c>data</c> object back into a query value.</summary>
    internal static QueryValue ParseData(JsonElement data)
    {
        var result = data.GetProperty("result");
        switch (data.GetProperty("resultType").GetString())
        {
            case "vector":
                return new VectorValue(result.EnumerateArray().Select(s =>
                {
                    var (t, v) = Point(s.GetProperty("value"));
                    return new LabeledSample(DataDirs.LabelsFromJson(s.GetProperty("metric")), t, v);
                }).ToList());
            case "matrix":
                return new MatrixValue(result.EnumerateArray().Select(s => new Series(
                    DataDirs.LabelsFromJson(s.GetProperty("metric")),
                    s.GetProperty("values").EnumerateArray().Select(FPointOf).ToArray())).ToList());
            case "scalar":
            {
                var (t, v) = Point(result);
                return new ScalarValue(t, v);
            }
            case "string":
                return new StringValue((long)Math.Round(result[0].GetDouble() * 1000), result[1].GetString() ?? string.Empty);
            default:
                throw new FormatException("unknown resultType " + data.GetProperty("resultType").GetRawText());
        }
    }

    private static FPoint FPointOf(JsonElement p)
    {
        var (t, v) = Point(p);
        return new FPoint(t, v);
    }

    private static (long T, double V) Point(JsonElement p)
        => ((long)Math.Round(p[0].GetDouble() * 1000), ParseValue(p[1].GetString() ?? string.Empty));

    private static double ParseValue(string s) => s switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string Json(QueryValue value)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            PrometheusJson.WriteData(w, value);
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Aligned columns: SERIES and VALUE for vectors, plus TIME per point for matrices.</summary>
    private static string Table(QueryValue value)
    {
        var rows = new List<string[]>();
        switch (value)
        {
            case VectorValue v:
                rows.Add(["SERIES", "VALUE"]);
                rows.AddRange(v.Samples.Select(s => new[] { s.Labels.ToString(), CliValues.FormatValue(s.V) }));
                break;
            case MatrixValue m:
                rows.Add(["SERIES", "TIME", "VALUE"]);
                foreach (var s in m.Series)
                {
                    string labels = s.Metric.ToString();
                    rows.AddRange(s.Points.Select(p => new[] { labels, ApiTime.FormatRfc3339(p.T), CliValues.FormatValue(p.F) }));
                }
                break;
            case ScalarValue s:
                rows.Add(["TIME", "VALUE"]);
                rows.Add([ApiTime.FormatRfc3339(s.T), CliValues.FormatValue(s.V)]);
                break;
            case StringValue s:
                rows.Add(["TIME", "VALUE"]);
                rows.Add([ApiTime.FormatRfc3339(s.T), s.Value]);
                break;
        }
        int columns = rows[0].Length;
        var widths = new int[columns];
        foreach (var row in rows)
        {
            for (int i = 0; i < columns; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            for (int i = 0; i < columns; i++)
            {
                sb.Append(row[i]);
                if (i < columns - 1)
                {
                    sb.Append(' ', widths[i] - row[i].Length + 2);
                }
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>RFC 4180 CSV: one column per label name (<c>__name__</c> first), then <c>timestamp</c> (Unix seconds) and <c>value</c>.</summary>
    private static string Csv(QueryValue value)
    {
        var rows = new List<(Core.Labels.LabelSet Labels, long T, string V)>();
        switch (value)
        {
            case VectorValue v:
                rows.AddRange(v.Samples.Select(s => (s.Labels, s.T, CliValues.FormatValue(s.V))));
                break;
            case MatrixValue m:
                foreach (var s in m.Series)
                {
                    rows.AddRange(s.Points.Select(p => (s.Metric, p.T, CliValues.FormatValue(p.F))));
                }
                break;
            case ScalarValue s:
                rows.Add((Core.Labels.LabelSet.Empty, s.T, CliValues.FormatValue(s.V)));
                break;
            case StringValue s:
                rows.Add((Core.Labels.LabelSet.Empty, s.T, s.Value));
                break;
        }
        var names = rows.SelectMany(r => r.Labels.AsSpan().ToArray().Select(l => l.Name)).Distinct()
            .OrderBy(n => n == Core.Labels.LabelSet.MetricName ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        foreach (var name in names)
        {
            sb.Append(CsvField(name)).Append(',');
        }
        sb.Append("timestamp,value\n");
        foreach (var (labels, t, v) in rows)
        {
            foreach (var name in names)
            {
                sb.Append(CsvField(labels.Get(name))).Append(',');
            }
            sb.Append(CliValues.FormatApiTime(t)).Append(',').Append(CsvField(v)).Append('\n');
        }
        return sb.ToString();
    }

    private static string CsvField(string s)
        => s.AsSpan().IndexOfAny(",\"\r\n") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
