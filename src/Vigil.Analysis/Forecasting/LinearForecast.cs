using MathNet.Numerics.Distributions;

namespace Vigil.Analysis.Forecasting;

/// <summary>Ordinary least-squares line y = a + b·x with Student-t prediction intervals for new observations.</summary>
public sealed class LinearForecast
{
    private readonly double _meanX;
    private readonly double _sxx;
    private readonly int _n;

    private LinearForecast(double intercept, double slope, double residualSd, double meanX, double sxx, int n)
    {
        Intercept = intercept;
        Slope = slope;
        ResidualStandardDeviation = residualSd;
        _meanX = meanX;
        _sxx = sxx;
        _n = n;
    }

    /// <summary>The fitted intercept a.</summary>
    public double Intercept { get; }

    /// <summary>The fitted slope b (units of y per unit of x).</summary>
    public double Slope { get; }

    /// <summary>The residual standard deviation (n − 2 degrees of freedom).</summary>
    public double ResidualStandardDeviation { get; }

    /// <summary>Fits the line; needs at least three points with at least two distinct x values.</summary>
    public static LinearForecast Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length;
        if (y.Length != n)
        {
            throw new ArgumentException($"x has {n} values, y has {y.Length}.", nameof(y));
        }
        if (n < 3)
        {
            throw new ArgumentException($"a linear forecast needs at least 3 points, got {n}.", nameof(x));
        }
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++)
        {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0, sxy = 0;
        for (int i = 0; i < n; i++)
        {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
        if (!(sxx > 0))
        {
            throw new ArgumentException("a linear forecast needs at least two distinct x values.", nameof(x));
        }
        double slope = sxy / sxx;
        double intercept = my - (slope * mx);
        double sse = 0;
        for (int i = 0; i < n; i++)
        {
            double e = y[i] - (intercept + (slope * x[i]));
            sse += e * e;
        }
        return new LinearForecast(intercept, slope, Math.Sqrt(sse / (n - 2)), mx, sxx, n);
    }

    /// <summary>The prediction at <paramref name="x"/> with a two-sided interval at <paramref name="level"/> (e.g. 0.95) for a new observation.</summary>
    public ForecastPoint Predict(double x, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(level, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(level, 1);
        double value = Intercept + (Slope * x);
        double t = StudentT.InvCDF(0, 1, _n - 2, 0.5 + (level / 2));
        double se = ResidualStandardDeviation * Math.Sqrt(1 + (1.0 / _n) + ((x - _meanX) * (x - _meanX) / _sxx));
        return new ForecastPoint(x, value, value - (t * se), value + (t * se));
    }

    /// <summary>The x at which the line reaches <paramref name="limit"/>, or null when the slope never gets there.</summary>
    public double? When(double limit)
    {
        if (Slope == 0)
        {
            return null;
        }
        double x = (limit - Intercept) / Slope;
        return double.IsFinite(x) ? x : null;
    }
}
