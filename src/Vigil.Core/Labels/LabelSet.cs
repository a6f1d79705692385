using System.Collections;
using System.Runtime.CompilerServices;
using System.Text;

namespace Vigil.Core.Labels;

/// <summary>
/// An immutable set of labels sorted by name, with unique names and no empty values, identifying one series.
/// </summary>
/// <remarks>
/// Thread-safe (immutable). The hash is computed once at construction and is stable within a process only;
/// never persist it. Ordering (<see cref="Compare"/>) follows Prometheus: label by label, name then value,
/// and a shorter set that is a prefix of a longer one sorts first.
/// </remarks>
public sealed class LabelSet : IEquatable<LabelSet>, IComparable<LabelSet>, IReadOnlyList<Label>
{
    /// <summary>The reserved label holding the metric name.</summary>
    public const string MetricName = "__name__";

    private readonly Label[] _labels;
    private readonly ulong _hash;

    /// <summary>The empty label set.</summary>
    public static LabelSet Empty { get; } = new([], trusted: true);

    private LabelSet(Label[] labels, bool trusted)
    {
        _ = trusted;
        _labels = labels;
        _hash = ComputeHash(labels);
    }

    /// <summary>Builds a set from labels in any order; empty values are dropped; a duplicated name throws.</summary>
    public static LabelSet From(IEnumerable<Label> labels)
    {
        var list = new List<Label>();
        foreach (var l in labels)
        {
            ArgumentNullException.ThrowIfNull(l.Name);
            ArgumentNullException.ThrowIfNull(l.Value);
            if (l.Value.Length != 0)
            {
                list.Add(l);
            }
        }
        return FromUnsorted(list.ToArray());
    }

    /// <summary>Builds a set from name/value pairs: <c>LabelSet.Of("__name__", "up", "job", "node")</c>.</summary>
    public static LabelSet Of(params string[] nameValuePairs)
    {
        if (nameValuePairs.Length % 2 != 0)
        {
            throw new ArgumentException("LabelSet.Of needs an even number of strings (name, value, ...).", nameof(nameValuePairs));
        }
        var list = new List<Label>(nameValuePairs.Length / 2);
        for (int i = 0; i < nameValuePairs.Length; i += 2)
        {
            if (nameValuePairs[i + 1].Length != 0)
            {
                list.Add(new Label(nameValuePairs[i], nameValuePairs[i + 1]));
            }
        }
        return FromUnsorted(list.ToArray());
    }

    /// <summary>Builds a set from a dictionary; empty values are dropped.</summary>
    public static LabelSet FromDictionary(IEnumerable<KeyValuePair<string, string>> pairs)
        => From(pairs.Select(static p => new Label(p.Key, p.Value)));

    /// <summary>Wraps an array that the caller guarantees is sorted by name, unique and free of empty values. Takes ownership.</summary>
    public static LabelSet FromSortedUnsafe(Label[] sorted) => sorted.Length == 0 ? Empty : new LabelSet(sorted, trusted: true);

    private static LabelSet FromUnsorted(Label[] arr)
    {
        if (arr.Length == 0)
        {
            return Empty;
        }
        Array.Sort(arr, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 1; i < arr.Length; i++)
        {
            if (arr[i].Name == arr[i - 1].Name)
            {
                throw new ArgumentException($"duplicate label name \"{arr[i].Name}\"");
            }
        }
        return new LabelSet(arr, trusted: true);
    }

    /// <summary>Number of labels.</summary>
    public int Count => _labels.Length;

    /// <summary>The label at position <paramref name="index"/> in name order.</summary>
    public Label this[int index] => _labels[index];

    /// <summary>The labels in name order, without copying.</summary>
    public ReadOnlySpan<Label> AsSpan() => _labels;

    /// <summary>The value of label <paramref name="name"/>, or the empty string when absent.</summary>
    public string Get(string name)
    {
        var labels = _labels;
        if (labels.Length <= 12)
        {
            foreach (ref readonly var l in labels.AsSpan())
            {
                if (string.Equals(l.Name, name, StringComparison.Ordinal))
                {
                    return l.Value;
                }
            }
            return string.Empty;
        }
        int lo = 0, hi = labels.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = string.CompareOrdinal(labels[mid].Name, name);
            if (c == 0)
            {
                return labels[mid].Value;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return string.Empty;
    }

    /// <summary>True when the label is present (has a non-empty value).</summary>
    public bool Has(string name) => Get(name).Length != 0;

    /// <summary>The metric name (<c>__name__</c>), or empty.</summary>
    public string Name => Get(MetricName);

    /// <summary>A stable-in-process 64-bit hash of all names and values.</summary>
    public ulong Hash => _hash;

    /// <summary>A new set without the named labels.</summary>
    public LabelSet Without(params ReadOnlySpan<string> names)
    {
        var list = new List<Label>(_labels.Length);
        foreach (var l in _labels)
        {
            bool drop = false;
            foreach (var n in names)
            {
                if (string.Equals(l.Name, n, StringComparison.Ordinal))
                {
                    drop = true;
                    break;
                }
            }
            if (!drop)
            {
                list.Add(l);
            }
        }
        return list.Count == _labels.Length ? this : FromSortedUnsafe(list.ToArray());
    }

    /// <summary>A new set without <c>__name__</c>.</summary>
    public LabelSet WithoutMetricName() => Has(MetricName) ? Without(MetricName) : this;

    /// <summary>A new set keeping only the named labels.</summary>
    public LabelSet Keep(params ReadOnlySpan<string> names)
    {
        var list = new List<Label>(names.Length);
        foreach (var l in _labels)
        {
            foreach (var n in names)
            {
                if (string.Equals(l.Name, n, StringComparison.Ordinal))
                {
                    list.Add(l);
                    break;
                }
            }
        }
        return list.Count == _labels.Length ? this : FromSortedUnsafe(list.ToArray());
    }

    /// <summary>A new set with <paramref name="name"/> set to <paramref name="value"/> (removed when value is empty).</summary>
    public LabelSet With(string name, string value)
    {
        var b = new LabelSetBuilder(this);
        b.Set(name, value);
        return b.Build();
    }

    /// <summary>Prometheus's label set ordering.</summary>
    public static int Compare(LabelSet a, LabelSet b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }
        var x = a._labels;
        var y = b._labels;
        int n = Math.Min(x.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            int c = string.CompareOrdinal(x[i].Name, y[i].Name);
            if (c != 0)
            {
                return c;
            }
            c = string.CompareOrdinal(x[i].Value, y[i].Value);
            if (c != 0)
            {
                return c;
            }
        }
        return x.Length.CompareTo(y.Length);
    }

    /// <inheritdoc />
    public int CompareTo(LabelSet? other) => other is null ? 1 : Compare(this, other);

    /// <inheritdoc />
    public bool Equals(LabelSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (other is null || other._hash != _hash || other._labels.Length != _labels.Length)
        {
            return false;
        }
        var x = _labels;
        var y = other._labels;
        for (int i = 0; i < x.Length; i++)
        {
            if (!string.Equals(x[i].Name, y[i].Name, StringComparison.Ordinal) ||
                !string.Equals(x[i].Value, y[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is LabelSet other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)(_hash ^ (_hash >> 32));

    /// <summary>Equality operator by value.</summary>
    public static bool operator ==(LabelSet? a, LabelSet? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Inequality operator by value.</summary>
    public static bool operator !=(LabelSet? a, LabelSet? b) => !(a == b);

    /// <summary>Ordering operator.</summary>
    public static bool operator <(LabelSet a, LabelSet b) => Compare(a, b) < 0;

    /// <summary>Ordering operator.</summary>
    public static bool operator >(LabelSet a, LabelSet b) => Compare(a, b) > 0;

    /// <summary>Ordering operator.</summary>
    public static bool operator <=(LabelSet a, LabelSet b) => Compare(a, b) <= 0;

    /// <summary>Ordering operator.</summary>
    public static bool operator >=(LabelSet a, LabelSet b) => Compare(a, b) >= 0;

    /// <summary>Prometheus's text form: <c>name{a="b", c="d"}</c> when a metric name is set, else <c>{a="b"}</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        string name = Name;
        bool nameIsPlain = name.Length != 0 && LabelValidation.IsValidLegacyMetricName(name);
        if (nameIsPlain)
        {
            sb.Append(name);
        }
        sb.Append('{');
        bool first = true;
        foreach (var l in _labels)
        {
            if (nameIsPlain && l.Name == MetricName)
            {
                continue;
            }
            if (!first)
            {
                sb.Append(", ");
            }
            first = false;
            if (l.Name == MetricName)
            {
                // UTF-8 metric name: quoted, as Prometheus 3 prints it.
                AppendQuoted(sb, l.Value);
                continue;
            }
            if (LabelValidation.IsValidLegacyLabelName(l.Name))
            {
                sb.Append(l.Name);
            }
            else
            {
                AppendQuoted(sb, l.Name);
            }
            sb.Append('=');
            AppendQuoted(sb, l.Value);
        }
        sb.Append('}');
        return sb.ToString();
    }

    /// <summary>Appends <paramref name="s"/> as a Go-style double-quoted string.</summary>
    public static void AppendQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>The labels as a dictionary (for JSON output).</summary>
    public Dictionary<string, string> ToDictionary()
    {
        var d = new Dictionary<string, string>(_labels.Length, StringComparer.Ordinal);
        foreach (var l in _labels)
        {
            d[l.Name] = l.Value;
        }
        return d;
    }

    /// <inheritdoc />
    public IEnumerator<Label> GetEnumerator() => ((IEnumerable<Label>)_labels).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// A struct enumerator for allocation-free iteration with <c>while (e.MoveNext())</c> (it is an enumerator, not an
    /// enumerable; for <c>foreach</c> iterate <see cref="AsSpan"/>).
    /// </summary>
    public ReadOnlySpan<Label>.Enumerator GetSpanEnumerator() => new ReadOnlySpan<Label>(_labels).GetEnumerator();

    private static ulong ComputeHash(Label[] labels)
    {
        // Note: FNV-1a over UTF-16 chars with separators, then a final avalanche; fast and allocation-free.
        ulong h = 14695981039346656037UL;
        foreach (var l in labels)
        {
            h = Mix(h, l.Name);
            h = (h ^ 0xff) * 1099511628211UL;
            h = Mix(h, l.Value);
            h = (h ^ 0xfe) * 1099511628211UL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong h, string s)
    {
        foreach (char c in s)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        return h;
    }
}
