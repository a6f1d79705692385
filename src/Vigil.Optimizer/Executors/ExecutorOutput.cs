using System.Text;

namespace Vigil.Optimizer.Executors;

/// <summary>Keeps executor output bounded so a chatty command cannot bloat the history.</summary>
internal static class ExecutorOutput
{
    /// <summary>The most characters of output kept per call.</summary>
    public const int MaxChars = 4096;

    /// <summary>Cuts <paramref name="text"/> to <see cref="MaxChars"/>, keeping the end (where errors usually are).</summary>
    public static string Truncate(string text)
    {
        if (text.Length <= MaxChars)
        {
            return text;
        }
        var sb = new StringBuilder(MaxChars + 32);
        sb.Append("…(").Append(text.Length - MaxChars).Append(" characters cut)…");
        sb.Append(text.AsSpan(text.Length - MaxChars));
        return sb.ToString();
    }
}
