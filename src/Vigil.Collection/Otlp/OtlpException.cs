namespace Vigil.Collection.Otlp;

/// <summary>An OTLP request that cannot be decoded or translated; the message says what and where. Nothing of it was stored.</summary>
public sealed class OtlpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OtlpException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public OtlpException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public OtlpException()
    {
    }
}
