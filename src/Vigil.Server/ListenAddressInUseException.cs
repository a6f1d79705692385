namespace Vigil.Server;

/// <summary>The listen address is taken by another process; the message names the address.</summary>
public sealed class ListenAddressInUseException : IOException
{
    /// <summary>Creates the exception with its message and the bind failure.</summary>
    public ListenAddressInUseException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
