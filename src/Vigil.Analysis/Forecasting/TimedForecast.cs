namespace Vigil.Analysis.Forecasting;

/// <summary>A forecast value at a time, with its prediction interval.</summary>
/// <param name="TimeMs">The time, milliseconds since the epoch.</param>
/// <param name="Value">The point forecast.</param>
/// <param name="Lower">The lower bound of the prediction interval.</param>
/// <param name="Upper">The upper bound of the prediction interval.</param>
public readonly record struct TimedForecast(long TimeMs, double Value, double Lower, double Upper);
