namespace Vigil.Server.Security;

/// <summary>The server was asked to listen beyond loopback without authentication and without <c>--web.insecure-listen</c>.</summary>
public sealed class InsecureListenException : Exception
{
    /// <summary>Creates the exception with the message for the user.</summary>
    public InsecureListenException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public InsecureListenException()
        : this("refusing to listen beyond loopback without authentication")
    {
    }

    /// <summary>Creates the exception wrapping another.</summary>
    public InsecureListenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
