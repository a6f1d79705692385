using System.Globalization;

namespace Vigil.Collection.Collectors;

/// <summary>Reads and parses files under a procfs mount (normally <c>/proc</c>).</summary>
/// <remarks>
/// Collections run every few seconds and read a handful of small files, so this favours clear string handling over
/// zero allocation. Thread-safe (stateless apart from cached constants).
/// </remarks>
internal sealed class Procfs(string root)
{
    private static readonly Lazy<double> ClockTicks = new(() =>
    {
        long ticks = LibC.IsSupported ? LibC.SysConf(LibC.ScClkTck) : -1;
        return ticks > 0 ? ticks : 100;
    });

    /// <summary>The default procfs at <c>/proc</c>.</summary>
    public static Procfs Default { get; } = new("/proc");

    /// <summary>The mount point this instance reads.</summary>
    public string Root { get; } = root;

    /// <summary>Kernel clock ticks per second (<c>USER_HZ</c>) for the tick counters in <c>/proc/stat</c>.</summary>
    public static double UserHz => ClockTicks.Value;

    /// <summary>The path of <paramref name="relative"/> under the root.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Reads a whole file; throws <see cref="IOException"/> naming the path when it cannot be read.</summary>
    public string Read(string relative)
    {
        string path = PathOf(relative);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>Splits on spaces and tabs, dropping empty entries.</summary>
    public static string[] Fields(string line) => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Parses a non-negative decimal integer field as a double; throws naming the file on a bad value.</summary>
    public static double ParseNumber(string field, string file)
    {
        if (ulong.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out ulong u))
        {
            return u;
        }
        if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
        {
            return d;
        }
        throw new FormatException($"{file}: unexpected value \"{field}\"");
    }

    /// <summary>The system boot time in Unix seconds, from the <c>btime</c> line of <c>stat</c>.</summary>
    public double BootTimeSeconds()
    {
        foreach (var line in Read("stat").AsSpan().EnumerateLines())
        {
            if (line.StartsWith("btime "))
            {
                return ParseNumber(line[6..].Trim().ToString(), PathOf("stat"));
            }
        }
        throw new IOException($"{PathOf("stat")}: no btime line");
    }
}
