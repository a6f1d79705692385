namespace Vigil.Analysis.Forecasting;

/// <summary>Accuracy of a forecast against what happened: MASE, the seasonal naive forecast and interval coverage.</summary>
public static class ForecastAccuracy
{
    /// <summary>
    /// The mean absolute scaled error (Hyndman and Koehler, 2006): the forecast's mean absolute error over
    /// <paramref name="actual"/> divided by the in-sample mean absolute error of the one-step seasonal naive forecast on
    /// <paramref name="training"/> (y[t] predicted by y[t − m]; m = <paramref name="period"/>, or 1 without a season).
    /// Below 1 the forecast beats what repeating the last season does one step ahead in the history; NaN when the
    /// training series is constant.
    /// </summary>
    public static double Mase(ReadOnlySpan<double> training, ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast, int period)
    {
        if (actual.Length != forecast.Length)
        {
            throw new ArgumentException($"{actual.Length} actual values but {forecast.Length} forecasts.", nameof(forecast));
        }
        int m = period > 0 ? period : 1;
        if (training.Length <= m || actual.Length == 0)
        {
            return double.NaN;
        }
        double scale = 0;
        for (int t = m; t < training.Length; t++)
        {
            scale += Math.Abs(training[t] - training[t - m]);
        }
        scale /= training.Length - m;
        return scale > 0 ? MeanAbsoluteError(actual, forecast) / scale : double.NaN;
    }

    /// <summary>The mean absolute difference of two equally long spans.</summary>
    public static double MeanAbsoluteError(ReadOnlySpan<double> actual, ReadOnlySpan<double> forecast)
    {
        if (actual.Length != forecast.Length)
        {
            throw new ArgumentException($"{actual.Length} actual values but {forecast.Length} forecasts.", nameof(forecast));
        }
        double sum = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            sum += Math.Abs(actual[i] - forecast[i]);
        }
        return actual.Length == 0 ? double.NaN : sum / actual.Length;
    }

    /// <summary>The seasonal naive forecast: the last <paramref name="period"/> values repeated (the last value without a season).</summary>
    public static double[] SeasonalNaive(ReadOnlySpan<double> training, int horizon, int period)
    {
        int m = period > 0 ? Math.Min(period, training.Length) : 1;
        if (training.Length == 0)
        {
            throw new ArgumentException("the training series is empty.", nameof(training));
        }
        var result = new double[horizon];
        for (int h = 0; h < horizon; h++)
        {
            result[h] = training[training.Length - m + (h % m)];
        }
        return result;
    }

    /// <summary>How many of <paramref name="actual"/> lie inside [lower, upper] (bounds included).</summary>
    public static int Covered(ReadOnlySpan<double> actual, IReadOnlyList<ForecastPoint> forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        int covered = 0;
        for (int i = 0; i < actual.Length && i < forecast.Count; i++)
        {
            if (actual[i] >= forecast[i].Lower && actual[i] <= forecast[i].Upper)
            {
                covered++;
            }
        }
        return covered;
    }
}
