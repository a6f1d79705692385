namespace Vigil.Core.Labels;

/// <summary>One label: a name and a value. Both are non-null; an empty value means "label absent".</summary>
public readonly record struct Label(string Name, string Value) : IComparable<Label>
{
    /// <summary>Orders by name, then by value, both by ordinal (byte-wise UTF-16) comparison.</summary>
    public int CompareTo(Label other)
    {
        int c = string.CompareOrdinal(Name, other.Name);
        return c != 0 ? c : string.CompareOrdinal(Value, other.Value);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}=\"{Value}\"";
}
