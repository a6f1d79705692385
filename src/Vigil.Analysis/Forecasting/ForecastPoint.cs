namespace Vigil.Analysis.Forecasting;

/// <summary>A forecast value with its prediction interval.</summary>
/// <param name="Step">Steps ahead of the last observation (1 = the next point), or the x value for a linear model.</param>
/// <param name="Value">The point forecast.</param>
/// <param name="Lower">The lower bound of the prediction interval.</param>
/// <param name="Upper">The upper bound of the prediction interval.</param>
public readonly record struct ForecastPoint(double Step, double Value, double Lower, double Upper);
