using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Analysis.Forecasting;

namespace Vigil.Bench;

/// <summary>
/// The benchmark behind <c>vigil bench forecast</c>: each series' last fifth is held back, the forecaster is fitted on the
/// first four fifths and forecasts the fifth; accuracy is MASE (against the seasonal naive forecast's in-sample error)
/// and the share of held-back values inside the 80 % and 95 % intervals. The previous forecaster (Holt–Winters with
/// parameters chosen on one-step errors and normal intervals) and the seasonal naive forecast are scored beside it.
/// </summary>
internal static class ForecastBench
{
    /// <summary>One series to forecast; <paramref name="Period"/> is the known season for MASE (0: use the detected one).</summary>
    public sealed record Input(string Set, string Name, double[] Values, int Period);

    /// <summary>The outcome for one series.</summary>
    public sealed record Row(
        string Set, string Name, int Length, int Horizon, int MasePeriod, int DetectedPeriod, string Model,
        double Mase, double SeasonalNaiveMase, double PreviousMase, int Covered80, int Covered95, int PreviousCovered80, int PreviousCovered95,
        double Milliseconds);

    /// <summary>The summary of one set.</summary>
    public sealed record Summary(
        string Set, int Series, double MeanMase, double MedianMase, int BelowOne, double SeasonalNaiveMeanMase, double PreviousMeanMase,
        double Coverage80, double Coverage95, double PreviousCoverage80, double PreviousCoverage95);

    /// <summary>Forecasts the held-back fifth of every input.</summary>
    public static List<Row> Run(IEnumerable<Input> inputs, Action<string>? progress = null)
    {
        var rows = new List<Row>();
        foreach (var input in inputs)
        {
            var values = input.Values;
            int split = (int)(values.Length * 0.8);
            int horizon = values.Length - split;
            if (split < 4 || horizon < 1)
            {
                continue;
            }
            var training = values.AsSpan(0, split);
            var actual = values.AsSpan(split);
            var clock = Stopwatch.StartNew();
            var model = Forecaster.Fit(training, horizon);
            var f80 = model.Forecast(horizon, 0.8);
            var f95 = model.Forecast(horizon, 0.95);
            clock.Stop();
            int m = input.Period > 0 ? input.Period : model.DetectedPeriod;
            double mase = ForecastAccuracy.Mase(training, actual, [.. f95.Select(p => p.Value)], m);
            double naive = ForecastAccuracy.Mase(training, actual, ForecastAccuracy.SeasonalNaive(training, horizon, m), m);
            double previousMase = double.NaN;
            int p80 = 0, p95 = 0;
            try
            {
                var previous = HoltWinters.Fit(training);
                var q80 = previous.Forecast(horizon, 0.8);
                var q95 = previous.Forecast(horizon, 0.95);
                previousMase = ForecastAccuracy.Mase(training, actual, [.. q95.Select(p => p.Value)], m);
                p80 = ForecastAccuracy.Covered(actual, q80);
                p95 = ForecastAccuracy.Covered(actual, q95);
            }
            catch (ArgumentException)
            {
                // Note: the previous forecaster refused the series (too short for the season it found); it scores NaN.
            }
            string kind = model.Kind switch
            {
                ForecastModelKind.HoltWinters => string.Create(CultureInfo.InvariantCulture, $"holt_winters m={model.Period}{(model.Beta > 0 ? " trend" : "")}"),
                ForecastModelKind.SeasonalNaive => string.Create(CultureInfo.InvariantCulture, $"seasonal_naive m={model.Period}"),
                ForecastModelKind.SeasonalMedian => string.Create(CultureInfo.InvariantCulture, $"seasonal_median m={model.Period}"),
                ForecastModelKind.HoltLinear => "holt_linear" + (model.Phi < 1 ? " damped" : ""),
                _ => "exponential_smoothing",
            };
            rows.Add(new Row(input.Set, input.Name, values.Length, horizon, m, model.DetectedPeriod, kind, mase, naive, previousMase,
                ForecastAccuracy.Covered(actual, f80), ForecastAccuracy.Covered(actual, f95), p80, p95, clock.Elapsed.TotalMilliseconds));
            progress?.Invoke(input.Name);
        }
        return rows;
    }

    /// <summary>Per set: mean and median MASE, series below 1, and coverage pooled over all held-back points.</summary>
    public static List<Summary> Summarize(IReadOnlyList<Row> rows, IEnumerable<(string Set, Func<Row, bool> Member)> sets)
    {
        var result = new List<Summary>();
        foreach (var (set, member) in sets)
        {
            var part = rows.Where(member).ToList();
            if (part.Count == 0)
            {
                continue;
            }
            var mase = part.Select(r => r.Mase).Where(double.IsFinite).OrderBy(v => v).ToList();
            double points = part.Sum(r => r.Horizon);
            result.Add(new Summary(set, part.Count,
                mase.Count > 0 ? mase.Average() : double.NaN,
                mase.Count > 0 ? (mase[(mase.Count - 1) / 2] + mase[mase.Count / 2]) / 2 : double.NaN,
                mase.Count(v => v < 1),
                Mean(part.Select(r => r.SeasonalNaiveMase)),
                Mean(part.Select(r => r.PreviousMase)),
                part.Sum(r => r.Covered80) / points, part.Sum(r => r.Covered95) / points,
                part.Sum(r => r.PreviousCovered80) / points, part.Sum(r => r.PreviousCovered95) / points));
        }
        return result;
    }

    private static double Mean(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count > 0 ? finite.Average() : double.NaN;
    }

    public static string Format(IReadOnlyList<Row> rows, IReadOnlyList<Summary> summaries)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("Forecast accuracy on the held-back last fifth of each series (fitted on the first four fifths).\n");
        sb.Append("MASE: mean absolute error over the seasonal naive forecast's in-sample one-step error (m = the known season, else the detected one, else 1).\n");
        sb.Append("Coverage: held-back values inside the 80 % and 95 % intervals, pooled over the set's points. previous = Holt–Winters fitted on one-step errors with normal intervals.\n\n");
        sb.Append(ci, $"{"set",-26} {"series",6} {"MASE mean",9} {"median",7} {"<1",4} {"snaive",7} {"previous",8} {"cov80",6} {"cov95",6} {"prev80",6} {"prev95",6}\n");
        foreach (var s in summaries)
        {
            sb.Append(ci, $"{s.Set,-26} {s.Series,6} {s.MeanMase,9:0.000} {s.MedianMase,7:0.000} {s.BelowOne,4} {s.SeasonalNaiveMeanMase,7:0.000} {s.PreviousMeanMase,8:0.000} {s.Coverage80 * 100,5:0.0}% {s.Coverage95 * 100,5:0.0}% {s.PreviousCoverage80 * 100,5:0.0}% {s.PreviousCoverage95 * 100,5:0.0}%\n");
        }
        sb.Append('\n');
        sb.Append(ci, $"{"series",-58} {"n",6} {"h",5} {"m",4} {"found",5} {"model",-24} {"MASE",7} {"snaive",7} {"previous",8} {"cov80",6} {"cov95",6} {"ms",6}\n");
        foreach (var r in rows)
        {
            sb.Append(ci, $"{r.Set + ":" + r.Name,-58} {r.Length,6} {r.Horizon,5} {r.MasePeriod,4} {r.DetectedPeriod,5} {r.Model,-24} {r.Mase,7:0.000} {r.SeasonalNaiveMase,7:0.000} {r.PreviousMase,8:0.000} {100.0 * r.Covered80 / r.Horizon,5:0.0}% {100.0 * r.Covered95 / r.Horizon,5:0.0}% {r.Milliseconds,6:0}\n");
        }
        return sb.ToString();
    }

    public static JsonObject ToJson(IReadOnlyList<Row> rows, IReadOnlyList<Summary> summaries, string? nabDir)
    {
        static JsonNode? Num(double v, int digits = 4) => double.IsFinite(v) ? Math.Round(v, digits) : null;
        var sets = new JsonArray();
        foreach (var s in summaries)
        {
            sets.Add(new JsonObject
            {
                ["set"] = s.Set,
                ["series"] = s.Series,
                ["mase_mean"] = Num(s.MeanMase),
                ["mase_median"] = Num(s.MedianMase),
                ["mase_below_1"] = s.BelowOne,
                ["seasonal_naive_mase_mean"] = Num(s.SeasonalNaiveMeanMase),
                ["previous_mase_mean"] = Num(s.PreviousMeanMase),
                ["coverage_80"] = Num(s.Coverage80),
                ["coverage_95"] = Num(s.Coverage95),
                ["previous_coverage_80"] = Num(s.PreviousCoverage80),
                ["previous_coverage_95"] = Num(s.PreviousCoverage95),
            });
        }
        var series = new JsonArray();
        foreach (var r in rows)
        {
            series.Add(new JsonObject
            {
                ["set"] = r.Set,
                ["name"] = r.Name,
                ["length"] = r.Length,
                ["horizon"] = r.Horizon,
                ["mase_period"] = r.MasePeriod,
                ["detected_period"] = r.DetectedPeriod,
                ["model"] = r.Model,
                ["mase"] = Num(r.Mase),
                ["seasonal_naive_mase"] = Num(r.SeasonalNaiveMase),
                ["previous_mase"] = Num(r.PreviousMase),
                ["coverage_80"] = Num((double)r.Covered80 / r.Horizon),
                ["coverage_95"] = Num((double)r.Covered95 / r.Horizon),
                ["previous_coverage_80"] = Num((double)r.PreviousCovered80 / r.Horizon),
                ["previous_coverage_95"] = Num((double)r.PreviousCovered95 / r.Horizon),
                ["fit_ms"] = Num(r.Milliseconds, 1),
            });
        }
        return new JsonObject
        {
            ["nab_data"] = nabDir,
            ["machine"] = TsdbBench.MachineInfo(),
            ["sets"] = sets,
            ["series"] = series,
        };
    }
}
