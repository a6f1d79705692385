using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Analysis.Forecasting;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.PromQL.Engine;
using Vigil.Server.Api;

namespace Vigil.Cli;

/// <summary>
/// <c>vigil forecast EXPR --horizon 6h</c>: evaluates the expression over a lookback window (a data directory or a
/// server's <c>/api/v1/query_range</c>), chooses and fits a model per series (Holt–Winters with the detected season, a
/// damped trend, a level, or the last season repeated) and prints the forecast up to the horizon with prediction
/// intervals calibrated on the series' own multi-step errors; a series that never went negative is never forecast below zero.
/// </summary>
internal static class ForecastCommand
{
    /// <summary>The most steps fitted when <c>--step</c> is not given.</summary>
    private const int AutoSteps = 480;

    public static Command Create(IStorageProvider storageProvider, TextWriter stdout, TextWriter stderr)
    {
        var expr = new Argument<string>("EXPR") { Description = "The PromQL expression to forecast, e.g. 'node_filesystem_avail_bytes{mountpoint=\"/\"}'." };
        var horizon = Duration("--horizon", "How far ahead to forecast, e.g. 6h.", "6h");
        var lookback = Duration("--lookback", "History the model is fitted on; default four horizons, at least 1h, and at least 3d for horizons of 1h or more (a daily season needs two days).", null);
        var step = CommonOptions.Step("Resolution of history and forecast: a duration (5m) or seconds. Default: the lookback divided by 480, at least 1s.");
        var level = new Option<double>("--level")
        {
            Description = "Coverage of the prediction interval, between 0 and 1.",
            HelpName = "P",
            DefaultValueFactory = _ => 0.95,
        };
        level.Validators.Add(r =>
        {
            double v = r.GetValueOrDefault<double>();
            if (!(v > 0 && v < 1))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--level: must be between 0 and 1 (exclusive), got {v}"));
            }
        });
        var time = CommonOptions.Time("--time", "The end of the history (the forecast starts after it): Unix seconds, RFC 3339, now or now-1h. Default: now.");
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format: table, json (one object per series with model and points) or csv (one row per forecast point).",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "json", "csv");
        var server = CommonOptions.Server();
        var dataDir = CommonOptions.OfflineDataDir();
        var command = new Command("forecast", "Forecast a PromQL expression (Holt–Winters with the detected season, or a damped trend or level) and print the points with calibrated prediction intervals.")
        {
            expr, horizon, lookback, step, level, time, output, server, dataDir,
        };
        CommonOptions.AddSourceValidator(command, server, dataDir);
        var auth = new ServerAuthOptions().AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            long now = Timestamp.Now();
            long end = CommonOptions.TimeValue(result, time, now) ?? now;
            long horizonMs = (long)PrometheusDuration.Parse(result.GetValue(horizon)!).TotalMilliseconds;
            long lookbackMs = result.GetValue(lookback) is { } lb
                ? (long)PrometheusDuration.Parse(lb).TotalMilliseconds
                : DefaultLookback(horizonMs);
            long stepMs = Math.Max(1000, lookbackMs / AutoSteps / 1000 * 1000);
            if (result.GetValue(step) is { } s)
            {
                QueryCommand.TryParseStep(s, out stepMs, out _);
            }
            var request = new QueryCommand.QueryRequest(result.GetValue(expr)!, end - lookbackMs, end, stepMs);
            var (value, warnings) = result.GetValue(dataDir) is { } dir
                ? await QueryCommand.FromDataDirAsync(storageProvider, dir, request, ct).ConfigureAwait(false)
                : await QueryCommand.FromServerAsync(auth.Target(result, result.GetValue(server)!), request, ct).ConfigureAwait(false);
            foreach (var w in warnings)
            {
                await stderr.WriteLineAsync("vigil: " + w).ConfigureAwait(false);
            }
            if (value is not MatrixValue matrix)
            {
                throw new CliException($"the expression gave a {value.Kind.ToString().ToLowerInvariant()}, not series to forecast");
            }
            var fits = new List<(LabelSet Labels, StepForecast Forecast)>();
            foreach (var series in matrix.Series)
            {
                var times = series.Points.Select(p => p.T).ToArray();
                var values = series.Points.Select(p => p.F).ToArray();
                try
                {
                    fits.Add((series.Metric, StepForecast.Fit(times, values, stepMs, horizonMs, result.GetValue(level))));
                }
                catch (Exception e) when (e is ForecastException or ArgumentException)
                {
                    await stderr.WriteLineAsync($"vigil: {series.Metric}: not forecast: {Core.Diagnostics.UserMessage.Of(e)}").ConfigureAwait(false);
                }
            }
            if (fits.Count == 0)
            {
                throw new CliException(matrix.Series.Count == 0
                    ? $"the expression has no data between {ApiTime.FormatRfc3339(end - lookbackMs)} and {ApiTime.FormatRfc3339(end)}"
                    : "no series had enough data to forecast (at least 4 points)");
            }
            string text = result.GetValue(output) switch
            {
                "json" => Json(fits),
                "csv" => Csv(fits),
                _ => Table(fits),
            };
            await stdout.WriteAsync(text).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>Four horizons, at least an hour; for horizons of an hour or more at least three days, so a daily season is seen twice.</summary>
    internal static long DefaultLookback(long horizonMs)
        => Math.Max(Math.Max(4 * horizonMs, 3_600_000), horizonMs >= 3_600_000 ? 3 * 86_400_000L : 0);

    private static Option<string> Duration(string name, string description, string? defaultValue)
    {
        var option = new Option<string>(name) { Description = description, HelpName = "DURATION" };
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!PrometheusDuration.TryParse(token.Value, out var d, out string error))
                {
                    r.AddError($"{name}: {error}");
                }
                else if (d <= TimeSpan.Zero)
                {
                    r.AddError($"{name}: must be greater than 0");
                }
            }
        });
        return option;
    }

    private static string Model(StepForecast f)
    {
        var m = f.Model;
        var ci = CultureInfo.InvariantCulture;
        string kind = m.Kind switch
        {
            ForecastModelKind.HoltWinters => string.Create(ci, $"Holt–Winters, season {m.Period} steps, α={m.Alpha} β={m.Beta} φ={m.Phi} γ={m.Gamma}"),
            ForecastModelKind.SeasonalNaive => string.Create(ci, $"seasonal naive (the last season of {m.Period} steps repeated)"),
            ForecastModelKind.SeasonalMedian => string.Create(ci, $"seasonal median (each point the median of the last three seasons of {m.Period} steps)"),
            ForecastModelKind.HoltLinear => string.Create(ci, $"Holt {(m.Phi < 1 ? "damped" : "linear")} trend (no season), α={m.Alpha} β={m.Beta} φ={m.Phi}"),
            _ => string.Create(ci, $"exponential smoothing (level only), α={m.Alpha}"),
        };
        string season = m.DetectedPeriod > 0 && m.Period == 0 ? string.Create(ci, $" (a season of {m.DetectedPeriod} steps was found but forecast worse)") : "";
        string intervals = m.CalibrationErrors > 0 ? string.Create(ci, $"intervals from {m.CalibrationErrors} past errors") : "normal intervals";
        return string.Create(ci, $"{kind}{season}, σ={CliValues.FormatValue(m.ResidualStandardDeviation)}, {intervals}{(m.NonNegative ? ", not below 0" : "")}");
    }

    private static string KindName(ForecastModelKind kind) => kind switch
    {
        ForecastModelKind.HoltWinters => "holt_winters",
        ForecastModelKind.SeasonalNaive => "seasonal_naive",
        ForecastModelKind.SeasonalMedian => "seasonal_median",
        ForecastModelKind.HoltLinear => "holt_linear",
        _ => "exponential_smoothing",
    };

    private static string Table(List<(LabelSet Labels, StepForecast Forecast)> fits)
    {
        var sb = new StringBuilder();
        foreach (var (labels, f) in fits)
        {
            sb.Append(labels).Append(": ").Append(Model(f)).Append(", fitted on ").Append(f.Observations.ToString(CultureInfo.InvariantCulture)).Append(" steps\n");
            var rows = new List<string[]> { new[] { "TIME", "VALUE", "LOWER", "UPPER" } };
            rows.AddRange(f.Points.Select(p => new[] { ApiTime.FormatRfc3339(p.TimeMs), CliValues.FormatValue(p.Value), CliValues.FormatValue(p.Lower), CliValues.FormatValue(p.Upper) }));
            sb.Append(OptimizeCommand.Table(rows));
        }
        return sb.ToString().ReplaceLineEndings("\n");
    }

    private static string Csv(List<(LabelSet Labels, StepForecast Forecast)> fits)
    {
        var sb = new StringBuilder("series,timestamp,value,lower,upper\n");
        foreach (var (labels, f) in fits)
        {
            string name = "\"" + labels.ToString().Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            foreach (var p in f.Points)
            {
                sb.Append(name).Append(',').Append(CliValues.FormatApiTime(p.TimeMs)).Append(',').Append(CliValues.FormatValue(p.Value))
                    .Append(',').Append(CliValues.FormatValue(p.Lower)).Append(',').Append(CliValues.FormatValue(p.Upper)).Append('\n');
            }
        }
        return sb.ToString();
    }

    private static string Json(List<(LabelSet Labels, StepForecast Forecast)> fits)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("series");
            foreach (var (labels, f) in fits)
            {
                w.WriteStartObject();
                w.WritePropertyName("metric");
                PrometheusJson.WriteLabels(w, labels);
                w.WriteStartObject("model");
                w.WriteString("kind", KindName(f.Model.Kind));
                w.WriteNumber("period_steps", f.Model.Period);
                w.WriteNumber("detected_period_steps", f.Model.DetectedPeriod);
                w.WriteNumber("alpha", f.Model.Alpha);
                w.WriteNumber("beta", f.Model.Beta);
                w.WriteNumber("phi", f.Model.Phi);
                w.WriteNumber("gamma", f.Model.Gamma);
                w.WriteNumber("residual_sd", f.Model.ResidualStandardDeviation);
                w.WriteNumber("observations", f.Observations);
                w.WriteNumber("calibration_errors", f.Model.CalibrationErrors);
                w.WriteBoolean("non_negative", f.Model.NonNegative);
                w.WriteEndObject();
                w.WriteStartArray("points");
                foreach (var p in f.Points)
                {
                    // Note: like the query API's [time, "value"] pairs, with the bounds after the value.
                    w.WriteStartArray();
                    w.WriteRawValue(CliValues.FormatApiTime(p.TimeMs));
                    w.WriteStringValue(CliValues.FormatValue(p.Value));
                    w.WriteStringValue(CliValues.FormatValue(p.Lower));
                    w.WriteStringValue(CliValues.FormatValue(p.Upper));
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
