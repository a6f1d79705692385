namespace Vigil.Core.Labels;

/// <summary>A mutable builder for <see cref="LabelSet"/>: start from a base set, set and delete labels, then build.</summary>
/// <remarks>Not thread-safe. Reusable: call <see cref="Reset(LabelSet)"/> between uses to avoid allocation.</remarks>
public sealed class LabelSetBuilder
{
    private readonly List<Label> _labels = new();

    /// <summary>Creates an empty builder.</summary>
    public LabelSetBuilder()
    {
    }

    /// <summary>Creates a builder holding the labels of <paramref name="source"/>.</summary>
    public LabelSetBuilder(LabelSet source) => Reset(source);

    /// <summary>Replaces the content with <paramref name="source"/>.</summary>
    public LabelSetBuilder Reset(LabelSet source)
    {
        _labels.Clear();
        foreach (var l in source.AsSpan())
        {
            _labels.Add(l);
        }
        return this;
    }

    /// <summary>Sets a label; an empty value deletes it.</summary>
    public LabelSetBuilder Set(string name, string value)
    {
        for (int i = 0; i < _labels.Count; i++)
        {
            if (string.Equals(_labels[i].Name, name, StringComparison.Ordinal))
            {
                if (value.Length == 0)
                {
                    _labels.RemoveAt(i);
                }
                else
                {
                    _labels[i] = new Label(name, value);
                }
                return this;
            }
        }
        if (value.Length != 0)
        {
            _labels.Add(new Label(name, value));
        }
        return this;
    }

    /// <summary>Deletes labels by name.</summary>
    public LabelSetBuilder Delete(params ReadOnlySpan<string> names)
    {
        foreach (var n in names)
        {
            _labels.RemoveAll(l => string.Equals(l.Name, n, StringComparison.Ordinal));
        }
        return this;
    }

    /// <summary>The current value of a label or empty.</summary>
    public string Get(string name)
    {
        foreach (var l in _labels)
        {
            if (string.Equals(l.Name, name, StringComparison.Ordinal))
            {
                return l.Value;
            }
        }
        return string.Empty;
    }

    /// <summary>Keeps only labels satisfying <paramref name="keep"/>.</summary>
    public LabelSetBuilder Filter(Func<Label, bool> keep)
    {
        _labels.RemoveAll(l => !keep(l));
        return this;
    }

    /// <summary>The current labels in insertion order.</summary>
    public IReadOnlyList<Label> Labels => _labels;

    /// <summary>Builds the immutable, sorted set.</summary>
    public LabelSet Build()
    {
        if (_labels.Count == 0)
        {
            return LabelSet.Empty;
        }
        var arr = _labels.ToArray();
        Array.Sort(arr, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return LabelSet.FromSortedUnsafe(arr);
    }
}
