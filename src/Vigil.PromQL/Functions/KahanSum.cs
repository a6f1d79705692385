namespace Vigil.PromQL.Functions;

/// <summary>Kahan-Babuška (Neumaier) compensated summation, as Prometheus's util/kahansum.</summary>
internal static class KahanSum
{
    /// <summary>Adds <paramref name="inc"/> to <paramref name="sum"/> with compensation <paramref name="c"/>.</summary>
    public static (double Sum, double C) Inc(double inc, double sum, double c)
    {
        double t = sum + inc;
        if (double.IsInfinity(t))
        {
            c = 0;
        }
        else if (Math.Abs(sum) >= Math.Abs(inc))
        {
            c += (sum - t) + inc;
        }
        else
        {
            c += (inc - t) + sum;
        }
        return (t, c);
    }
}
