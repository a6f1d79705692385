namespace Vigil.Analysis.Forecasting;

/// <summary>The model a <see cref="Forecaster"/> chose for a series.</summary>
public enum ForecastModelKind
{
    /// <summary>Simple exponential smoothing: a level, no trend, no season.</summary>
    ExponentialSmoothing,

    /// <summary>Holt's linear method: a level and a (possibly damped) trend, no season.</summary>
    HoltLinear,

    /// <summary>Additive Holt–Winters: a level, an optional (possibly damped) trend and the detected season.</summary>
    HoltWinters,

    /// <summary>The last season repeated.</summary>
    SeasonalNaive,

    /// <summary>Each point of the season the median of the last three seasons at that point, so one odd season is not repeated.</summary>
    SeasonalMedian,
}
