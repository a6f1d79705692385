namespace Vigil.PromQL.Functions;

/// <summary>UTC calendar fields of a Unix time in seconds, valid for the whole int64 range (proleptic Gregorian).</summary>
internal readonly struct CivilTime
{
    public CivilTime(long unixSeconds)
    {
        long days = Math.DivRem(unixSeconds, 86400, out long secOfDay);
        if (secOfDay < 0)
        {
            secOfDay += 86400;
            days--;
        }
        Hour = (int)(secOfDay / 3600);
        Minute = (int)(secOfDay % 3600 / 60);
        // Note: 1970-01-01 was a Thursday (weekday 4, with Sunday = 0).
        DayOfWeek = (int)(((days % 7) + 11) % 7);
        long z = days + 719468;
        long era = (z >= 0 ? z : z - 146096) / 146097;
        long doe = z - (era * 146097);
        long yoe = (doe - (doe / 1460) + (doe / 36524) - (doe / 146096)) / 365;
        long y = yoe + (era * 400);
        long doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
        long mp = ((5 * doy) + 2) / 153;
        Day = (int)(doy - (((153 * mp) + 2) / 5) + 1);
        Month = (int)(mp < 10 ? mp + 3 : mp - 9);
        Year = Month <= 2 ? y + 1 : y;
        bool leap = Year % 4 == 0 && (Year % 100 != 0 || Year % 400 == 0);
        int[] cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        DayOfYear = cumulative[Month - 1] + Day + (leap && Month > 2 ? 1 : 0);
        DaysInMonth = Month switch
        {
            2 => leap ? 29 : 28,
            4 or 6 or 9 or 11 => 30,
            _ => 31,
        };
    }

    public long Year { get; }

    public int Month { get; }

    public int Day { get; }

    public int Hour { get; }

    public int Minute { get; }

    public int DayOfWeek { get; }

    public int DayOfYear { get; }

    public int DaysInMonth { get; }
}
