namespace Vigil.Core.Model;

/// <summary>Timestamps are int64 milliseconds since the Unix epoch (UTC) throughout Vigil.</summary>
public static class Timestamp
{
    /// <summary>The smallest timestamp a query may ask for (Prometheus's MinTime equivalent).</summary>
    public const long Min = long.MinValue / 2;

    /// <summary>The largest timestamp a query may ask for.</summary>
    public const long Max = long.MaxValue / 2;

    /// <summary>Milliseconds since the epoch for <paramref name="t"/>.</summary>
    public static long FromDateTimeOffset(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    /// <summary>The instant for <paramref name="ms"/> milliseconds since the epoch.</summary>
    public static DateTimeOffset ToDateTimeOffset(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>Now, in milliseconds since the epoch.</summary>
    public static long Now(TimeProvider? clock = null) => (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Seconds (possibly fractional, as in the HTTP API) to milliseconds, rounding to nearest.</summary>
    public static long FromSeconds(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds))
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "timestamp must be a finite number");
        }
        return (long)Math.Round(seconds * 1000.0, MidpointRounding.AwayFromZero);
    }

    /// <summary>Milliseconds to seconds as a double (the HTTP API's unit).</summary>
    public static double ToSeconds(long ms) => ms / 1000.0;
}
