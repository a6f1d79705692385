using System.Globalization;

namespace Vigil.Core.Model;

/// <summary>Parses the timestamps the Prometheus HTTP API accepts: Unix seconds with an optional fraction, or RFC 3339.</summary>
/// <remarks>
/// <c>1700000000</c>, <c>1700000000.123</c> (rounded to the millisecond) and <c>2023-11-14T22:13:20.123Z</c> or
/// <c>2023-11-14T23:13:20+01:00</c> (fractions beyond milliseconds are truncated). Thread-safe (stateless).
/// </remarks>
public static class ApiTime
{
    /// <summary>Parses <paramref name="text"/> to milliseconds since the epoch; returns false when it is neither form.</summary>
    public static bool TryParse(string text, out long timestampMs)
    {
        timestampMs = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        if (double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out double seconds))
        {
            if (!double.IsFinite(seconds) || Math.Abs(seconds) > Timestamp.Max / 1000.0)
            {
                return false;
            }
            double whole = Math.Truncate(seconds);
            double fractionMs = Math.Round((seconds - whole) * 1000.0, MidpointRounding.AwayFromZero);
            timestampMs = ((long)whole * 1000) + (long)fractionMs;
            return true;
        }
        return TryParseRfc3339(text, out timestampMs);
    }

    /// <summary>Parses <paramref name="text"/> or throws a <see cref="FormatException"/> saying which forms are accepted.</summary>
    public static long Parse(string text)
        => TryParse(text, out long t) ? t : throw new FormatException($"cannot parse \"{text}\" to a valid timestamp (use Unix seconds like 1700000000.5 or RFC 3339 like 2023-11-14T22:13:20Z)");

    /// <summary>Formats milliseconds as RFC 3339 UTC with millisecond precision.</summary>
    public static string FormatRfc3339(long timestampMs)
        => Timestamp.ToDateTimeOffset(timestampMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool TryParseRfc3339(string s, out long timestampMs)
    {
        // yyyy-MM-ddTHH:mm:ss[.fraction](Z|±hh:mm)
        timestampMs = 0;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }
        if (!Digits(s, 0, 4, out int year) || !Digits(s, 5, 2, out int month) || !Digits(s, 8, 2, out int day) ||
            !Digits(s, 11, 2, out int hour) || !Digits(s, 14, 2, out int minute) || !Digits(s, 17, 2, out int second))
        {
            return false;
        }
        int pos = 19;
        int millis = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            pos++;
            int fracStart = pos;
            while (pos < s.Length && s[pos] >= '0' && s[pos] <= '9')
            {
                if (pos - fracStart < 3)
                {
                    millis = (millis * 10) + (s[pos] - '0');
                }
                pos++;
            }
            int digits = pos - fracStart;
            if (digits == 0 || digits > 9)
            {
                return false;
            }
            for (int i = digits; i < 3; i++)
            {
                millis *= 10;
            }
        }
        if (pos >= s.Length)
        {
            return false;
        }
        TimeSpan offset;
        if (s[pos] == 'Z' && pos == s.Length - 1)
        {
            offset = TimeSpan.Zero;
        }
        else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.Length && s[pos + 3] == ':' &&
                 Digits(s, pos + 1, 2, out int oh) && Digits(s, pos + 4, 2, out int om) && oh < 24 && om < 60)
        {
            offset = new TimeSpan(oh, om, 0);
            if (s[pos] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            return false;
        }
        if (month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || hour > 23 || minute > 59 || second > 59 || year < 1)
        {
            return false;
        }
        var local = new DateTime(year, month, day, hour, minute, second, millis, DateTimeKind.Unspecified);
        timestampMs = new DateTimeOffset(local, offset).ToUnixTimeMilliseconds();
        return true;
    }

    private static bool Digits(string s, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            char c = s[i];
            if (c < '0' || c > '9')
            {
                return false;
            }
            value = (value * 10) + (c - '0');
        }
        return true;
    }
}
