using System.Globalization;
using System.Text;

namespace Vigil.Server.Profiles;

/// <summary>
/// The collapsed (folded) stack format of flamegraph.pl, inferno and speedscope: one line per distinct stack, frames
/// root first separated by <c>;</c>, a space and a sample count. <c>vigil profile --format collapsed</c> writes it.
/// </summary>
internal static class CollapsedStacks
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming the first bad line.</summary>
    public static List<(string Stack, long Samples)> Parse(string text)
    {
        var stacks = new List<(string, long)>();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }
            int space = line.LastIndexOf(' ');
            if (space <= 0)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}: expected \"frame;frame;... COUNT\", got \"{Shorten(line)}\""));
            }
            string count = line[(space + 1)..];
            if (!long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out long samples) || samples <= 0)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}, column {space + 2}: \"{Shorten(count)}\" is not a positive sample count"));
            }
            string stack = line[..space].TrimEnd();
            if (stack.Split(';').Any(f => f.Length == 0))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}: empty frame in \"{Shorten(stack)}\""));
            }
            stacks.Add((stack, samples));
        }
        if (stacks.Count == 0)
        {
            throw new FormatException("no stacks: the body is empty");
        }
        return stacks;
    }

    /// <summary>Writes <paramref name="stacks"/> back in the same format, one line each.</summary>
    public static string Format(IEnumerable<(string Stack, long Samples)> stacks)
    {
        var sb = new StringBuilder();
        foreach (var (stack, samples) in stacks)
        {
            sb.Append(stack).Append(' ').Append(samples.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    private static string Shorten(string s) => s.Length > 80 ? s[..80] + "…" : s;
}
