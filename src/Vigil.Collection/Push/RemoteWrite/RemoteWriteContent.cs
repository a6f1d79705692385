using System.Buffers;

namespace Vigil.Collection.Push.RemoteWrite;

/// <summary>
/// The envelope of a remote-write request: which message the <c>Content-Type</c> names, whether the
/// <c>Content-Encoding</c> is one Vigil reads, and the snappy block (format, not framed stream) around the message.
/// </summary>
internal static class RemoteWriteContent
{
    /// <summary>The media type of remote-write bodies.</summary>
    public const string MediaType = "application/x-protobuf";

    /// <summary>
    /// Finds the protocol in a <c>Content-Type</c> as Prometheus 3 negotiates it: no header, or no <c>proto=</c>
    /// parameter, means 1.0; <c>proto=io.prometheus.write.v2.Request</c> means 2.0; anything else is unsupported (HTTP 415).
    /// </summary>
    public static bool TryParseContentType(string? contentType, out RemoteWriteProtocol protocol, out string error)
    {
        protocol = RemoteWriteProtocol.V1;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }
        string[] parts = contentType.Split(';');
        if (!string.Equals(parts[0].Trim(), MediaType, StringComparison.OrdinalIgnoreCase))
        {
            error = $"unsupported Content-Type \"{contentType}\": remote-write bodies are {MediaType}";
            return false;
        }
        foreach (string parameter in parts.AsSpan(1))
        {
            int eq = parameter.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                if (parameter.Trim().Length == 0)
                {
                    continue;
                }
                error = $"invalid Content-Type \"{contentType}\": parameter \"{parameter.Trim()}\" is not name=value";
                return false;
            }
            if (!string.Equals(parameter[..eq].Trim(), "proto", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            string proto = parameter[(eq + 1)..].Trim().Trim('"');
            switch (proto)
            {
                case RemoteWriteProtocolNames.V1:
                    protocol = RemoteWriteProtocol.V1;
                    return true;
                case RemoteWriteProtocolNames.V2:
                    protocol = RemoteWriteProtocol.V2;
                    return true;
                default:
                    error = $"unsupported remote-write message \"{proto}\": accepted are {RemoteWriteProtocolNames.V1} and {RemoteWriteProtocolNames.V2}";
                    return false;
            }
        }
        return true;
    }

    /// <summary>True for the encodings of remote-write: <c>snappy</c>, or none given (read as snappy, as Prometheus does).</summary>
    public static bool IsSupportedEncoding(string? contentEncoding)
        => string.IsNullOrWhiteSpace(contentEncoding) || string.Equals(contentEncoding.Trim(), "snappy", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Decompresses a snappy block into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it).
    /// Throws <see cref="RemoteWriteFormatException"/> for a damaged block and <see cref="RemoteWriteTooLargeException"/>
    /// when the block declares more than <paramref name="maxBytes"/>, before anything is allocated.
    /// </summary>
    public static (byte[] Buffer, int Length) Decompress(ReadOnlySpan<byte> block, int maxBytes)
    {
        int length;
        try
        {
            length = Snappier.Snappy.GetUncompressedLength(block);
        }
        catch (InvalidDataException e)
        {
            throw new RemoteWriteFormatException("invalid snappy block: " + e.Message);
        }
        if (length < 0 || length > maxBytes)
        {
            throw new RemoteWriteTooLargeException(maxBytes);
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            int written = Snappier.Snappy.Decompress(block, buffer.AsSpan(0, length));
            if (written != length)
            {
                throw new RemoteWriteFormatException($"invalid snappy block: {written} bytes instead of the declared {length}");
            }
            return (buffer, length);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or RemoteWriteFormatException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw e as RemoteWriteFormatException ?? new RemoteWriteFormatException("invalid snappy block: " + e.Message);
        }
    }
}
