using System.Globalization;
using System.Text;

namespace Vigil.PromQL.Parser;

/// <summary>A half-open character range [Start, End) inside the query text that a node or error refers to.</summary>
/// <param name="Start">Offset of the first character (0-based, UTF-16 units of the query string).</param>
/// <param name="End">Offset just past the last character.</param>
public readonly record struct PositionRange(int Start, int End)
{
    /// <summary>
    /// Formats the start as Prometheus does: <c>line:column</c>, both 1-based, the column counted in UTF-8 bytes,
    /// "unknown position" for an empty query and "invalid position" when out of range.
    /// </summary>
    public string FormatStart(string query, int lineOffset = 0)
    {
        if (string.IsNullOrEmpty(query))
        {
            return "unknown position";
        }
        if (Start < 0 || Start > query.Length)
        {
            return "invalid position";
        }
        int line = lineOffset + 1;
        int lastBreak = -1;
        for (int i = 0; i < Start; i++)
        {
            if (query[i] == '\n')
            {
                lastBreak = i;
                line++;
            }
        }
        // Note: Prometheus counts the column in bytes of the UTF-8 query text.
        int col = Encoding.UTF8.GetByteCount(query.AsSpan(lastBreak + 1, Start - lastBreak - 1)) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"{line}:{col}");
    }
}
