namespace Vigil.Core.Storage;

/// <summary>What <see cref="IWriteLogReader.Next"/> read.</summary>
public enum WriteLogRecordKind
{
    /// <summary>Nothing: the reader is at the current end of the log.</summary>
    None,

    /// <summary>New series (reference and labels).</summary>
    Series,

    /// <summary>Float samples.</summary>
    Samples,

    /// <summary>A record of a kind the reader skips.</summary>
    Other,
}
