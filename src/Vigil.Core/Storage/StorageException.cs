using Vigil.Core.Labels;

namespace Vigil.Core.Storage;

/// <summary>A storage operation failed; <see cref="Error"/> says why when it was an append refusal.</summary>
public class StorageException : Exception
{
    /// <summary>Creates an exception for a refused append.</summary>
    public StorageException(AppendError error, string message)
        : base(message) => Error = error;

    /// <summary>Creates an exception for a refused append or commit caused by <paramref name="inner"/>.</summary>
    public StorageException(AppendError error, string message, Exception? inner)
        : base(message, inner) => Error = error;

    /// <summary>Creates a general storage exception.</summary>
    public StorageException(string message, Exception? inner = null)
        : base(message, inner) => Error = AppendError.None;

    /// <summary>Creates a general storage exception.</summary>
    public StorageException()
    {
    }

    /// <summary>Creates a general storage exception.</summary>
    public StorageException(string message)
        : base(message)
    {
    }

    /// <summary>The refusal reason, or <see cref="AppendError.None"/> for other failures.</summary>
    public AppendError Error { get; }

    /// <summary>Builds the standard message for a refused sample.</summary>
    public static StorageException ForAppend(AppendError error, LabelSet labels, long t, string? detail = null)
    {
        string what = error switch
        {
            AppendError.OutOfOrder => "out of order sample",
            AppendError.DuplicateTimestamp => "duplicate sample for timestamp",
            AppendError.TooOld => "out of bounds: sample is older than the head accepts",
            AppendError.InvalidLabels => "invalid labels",
            AppendError.InvalidTimestamp => "invalid timestamp",
            AppendError.Closed => "storage is closed",
            AppendError.TooFarInFuture => "out of bounds: sample timestamp is too far in the future (is it in the wrong unit?)",
            AppendError.OutOfSpace => "no space left on the storage's disk",
            _ => "append failed",
        };
        return new StorageException(error, $"{what} for series {labels} at timestamp {t}{(detail is null ? "" : ": " + detail)}");
    }
}
