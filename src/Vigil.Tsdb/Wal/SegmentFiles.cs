using System.Globalization;

namespace Vigil.Tsdb.Wal;

/// <summary>Names, lists and creates segment files: <c>00000000</c>, <c>00000001</c>, … in a log directory.</summary>
internal static class SegmentFiles
{
    /// <summary>The file name of segment <paramref name="index"/> (8-digit, zero-padded).</summary>
    public static string Name(int index) => index.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>The path of segment <paramref name="index"/> in <paramref name="directory"/>.</summary>
    public static string PathOf(string directory, int index) => Path.Combine(directory, Name(index));

    /// <summary>Parses a segment file name; only names made of 1 to 10 ASCII digits that fit an int count.</summary>
    public static bool TryParse(ReadOnlySpan<char> name, out int index)
    {
        index = 0;
        if (name.Length == 0 || name.Length > 10)
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>The indexes of the segment files in <paramref name="directory"/>, ascending; empty when the directory is missing.</summary>
    public static List<int> List(string directory)
    {
        var result = new List<int>();
        if (!System.IO.Directory.Exists(directory))
        {
            return result;
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(directory))
        {
            if (TryParse(Path.GetFileName(path.AsSpan()), out int index))
            {
                result.Add(index);
            }
        }
        result.Sort();
        return result;
    }
}
