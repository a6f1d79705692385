namespace Vigil.Collection.Push.RemoteWrite;

/// <summary>A remote-write body that is not a valid message of the negotiated protocol (HTTP 400).</summary>
internal sealed class RemoteWriteFormatException(string message) : Exception(message);
