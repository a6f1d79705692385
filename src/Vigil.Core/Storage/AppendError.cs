namespace Vigil.Core.Storage;

/// <summary>Why a sample was refused by an appender.</summary>
public enum AppendError
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>The timestamp is older than the newest sample already in the series.</summary>
    OutOfOrder,

    /// <summary>A sample with the same timestamp but a different value already exists.</summary>
    DuplicateTimestamp,

    /// <summary>The timestamp is older than the storage accepts (before the head's window).</summary>
    TooOld,

    /// <summary>The label set is invalid (bad name, not UTF-8, no metric name, duplicate label).</summary>
    InvalidLabels,

    /// <summary>The timestamp is not usable.</summary>
    InvalidTimestamp,

    /// <summary>The storage is closed or read-only.</summary>
    Closed,

    /// <summary>The timestamp lies further in the future than the storage accepts (beyond its clock plus a margin).</summary>
    TooFarInFuture,

    /// <summary>The storage could not write because its disk is full; nothing of the batch was stored. Retry later.</summary>
    OutOfSpace,
}
