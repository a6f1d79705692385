using System.Text;

namespace Vigil.Core.Labels;

/// <summary>Prometheus's rules for metric and label names and values.</summary>
/// <remarks>
/// Prometheus 3 accepts any valid UTF-8 name (the "utf8" validation scheme); the legacy scheme allows
/// <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c> for metric names and <c>[a-zA-Z_][a-zA-Z0-9_]*</c> for label names.
/// Names starting with <c>__</c> are reserved for internal use. In .NET, strings are UTF-16; "valid UTF-8"
/// means the string contains no unpaired surrogates, so it round-trips through UTF-8.
/// </remarks>
public static class LabelValidation
{
    /// <summary>True for a legacy (pre-UTF-8) metric name.</summary>
    public static bool IsValidLegacyMetricName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True for a legacy (pre-UTF-8) label name.</summary>
    public static bool IsValidLegacyLabelName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when the string is well-formed UTF-16, i.e. encodes to valid UTF-8.</summary>
    public static bool IsValidUtf8(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when <paramref name="bytes"/> are valid UTF-8.</summary>
    public static bool IsValidUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    /// <summary>UTF-8 scheme: a name is any non-empty valid UTF-8 string.</summary>
    public static bool IsValidName(string name) => name.Length != 0 && IsValidUtf8(name);

    /// <summary>
    /// Validates a label set for ingestion; returns null when valid, else a message naming the offending label.
    /// </summary>
    /// <param name="labels">The set to check.</param>
    /// <param name="legacyNames">When true, apply the legacy character rules to names instead of UTF-8.</param>
    public static string? Validate(LabelSet labels, bool legacyNames = false)
    {
        if (labels.Count == 0)
        {
            return "empty label set";
        }
        string? metric = null;
        foreach (var l in labels.AsSpan())
        {
            if (l.Name == LabelSet.MetricName)
            {
                metric = l.Value;
                bool okName = legacyNames ? IsValidLegacyMetricName(l.Value) : IsValidName(l.Value);
                if (!okName)
                {
                    return $"invalid metric name \"{Printable(l.Value)}\"";
                }
                continue;
            }
            bool ok = legacyNames ? IsValidLegacyLabelName(l.Name) : IsValidName(l.Name);
            if (!ok)
            {
                return $"invalid label name \"{Printable(l.Name)}\"";
            }
            if (!IsValidUtf8(l.Value))
            {
                return $"invalid label value for \"{Printable(l.Name)}\": not valid UTF-8";
            }
        }
        return metric is null ? "missing metric name (__name__ label)" : null;
    }

    private static string Printable(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (char.IsSurrogate(c) || char.IsControl(c))
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
