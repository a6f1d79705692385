namespace Vigil.Core.Storage;

/// <summary>Why a remote store did not answer a read or accept a write.</summary>
public enum RemoteFailure
{
    /// <summary>The remote refused the request as invalid (HTTP 4xx): retrying the same request will not help.</summary>
    BadData,

    /// <summary>The remote accepted the request but failed to evaluate it (HTTP 422 or its own <c>execution</c> error).</summary>
    Execution,

    /// <summary>The remote did not answer within the timeout.</summary>
    Timeout,

    /// <summary>The remote could not be reached or answered with a server error (HTTP 5xx, 429): try again later.</summary>
    Unavailable,

    /// <summary>The remote answered with something that is not a valid response (bad JSON, too large a body).</summary>
    BadResponse,
}

/// <summary>A remote store (a Prometheus-compatible query API or remote-write endpoint) failed a read or write.</summary>
public sealed class RemoteStorageException : StorageException
{
    /// <summary>Creates an exception; <paramref name="message"/> names the remote and the cause.</summary>
    public RemoteStorageException(RemoteFailure failure, string message, Exception? inner = null)
        : base(AppendError.None, message, inner) => Failure = failure;

    /// <summary>Why the request failed.</summary>
    public RemoteFailure Failure { get; }
}
