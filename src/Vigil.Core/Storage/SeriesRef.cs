namespace Vigil.Core.Storage;

/// <summary>
/// An opaque reference to a series inside one storage, returned by <see cref="IAppender.TryAppend"/> so later
/// appends to the same series skip the label lookup. Zero means "unknown". Valid only for the storage that issued
/// it and only while that storage is open.
/// </summary>
public readonly record struct SeriesRef(ulong Value)
{
    /// <summary>The "no reference" value.</summary>
    public static SeriesRef None => default;

    /// <summary>True when this is a real reference.</summary>
    public bool IsSet => Value != 0;
}
