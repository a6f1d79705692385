using Vigil.Optimizer.Executors;

namespace Vigil.Optimizer.Lifecycle;

/// <summary>Small text helpers for execution notes and outputs.</summary>
internal static class Text
{
    /// <summary>The first line of <paramref name="text"/>, without its line break.</summary>
    public static string FirstLine(string text)
    {
        int nl = text.IndexOf('\n', StringComparison.Ordinal);
        return (nl < 0 ? text : text[..nl]).TrimEnd('\r');
    }

    /// <summary>Joins two outputs with <paramref name="separator"/> (either may be empty), truncated like executor output.</summary>
    public static string Join(string? a, string b, string separator = "\n")
        => string.IsNullOrEmpty(a) ? b : string.IsNullOrEmpty(b) ? a : ExecutorOutput.Truncate(a + separator + b);
}
