using System.Globalization;

namespace Vigil.Server.Config;

/// <summary>Byte sizes as Prometheus writes them: <c>512MB</c>, <c>10GB</c>, <c>1KiB</c> (powers of 1024), <c>0</c>.</summary>
public static class ByteSize
{
    private static readonly (string Unit, long Factor)[] Units =
    [
        ("EiB", 1L << 60), ("PiB", 1L << 50), ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10),
        ("EB", 1L << 60), ("PB", 1L << 50), ("TB", 1L << 40), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("B", 1),
    ];

    /// <summary>Parses <paramref name="text"/>; on failure returns false with a message naming the text.</summary>
    public static bool TryParse(string text, out long bytes, out string error)
    {
        bytes = 0;
        error = string.Empty;
        if (text == "0")
        {
            return true;
        }
        foreach (var (unit, factor) in Units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal) &&
                long.TryParse(text.AsSpan(0, text.Length - unit.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                try
                {
                    bytes = checked(n * factor);
                    return true;
                }
                catch (OverflowException)
                {
                    break;
                }
            }
        }
        error = $"invalid size \"{text}\": use an integer with a unit B, KB, MB, GB, TB, PB or EB (powers of 1024), e.g. 512MB";
        return false;
    }
}
