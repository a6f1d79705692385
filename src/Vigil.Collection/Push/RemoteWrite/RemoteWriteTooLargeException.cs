namespace Vigil.Collection.Push.RemoteWrite;

/// <summary>A remote-write body larger than the configured limit, compressed or decompressed (HTTP 413).</summary>
internal sealed class RemoteWriteTooLargeException(long maxBytes)
    : Exception($"remote-write body larger than the limit of {maxBytes} bytes (decompressed)")
{
    /// <summary>The limit that was exceeded.</summary>
    public long MaxBytes { get; } = maxBytes;
}
