using System.Globalization;
using System.Net;

namespace Vigil.Server;

/// <summary>A <c>host:port</c> to listen on: <c>127.0.0.1:9612</c>, <c>[::1]:9612</c>, <c>localhost:9612</c>, <c>0.0.0.0:9612</c> or <c>:9612</c> (all interfaces).</summary>
/// <param name="Host">An IP address, <c>localhost</c>, or empty for all interfaces.</param>
/// <param name="Port">The TCP port; 0 picks a free one.</param>
public sealed record ListenAddress(string Host, int Port)
{
    /// <summary>Vigil's default: loopback only, port 9612.</summary>
    public static ListenAddress Default { get; } = new("127.0.0.1", 9612);

    /// <summary>Parses <c>host:port</c>; throws <see cref="FormatException"/> explaining the expected form.</summary>
    public static ListenAddress Parse(string text)
        => TryParse(text, out var a, out var error) ? a : throw new FormatException(error);

    /// <summary>Parses <c>host:port</c>; on failure returns false with a message naming the text.</summary>
    public static bool TryParse(string text, out ListenAddress address, out string error)
    {
        address = Default;
        error = string.Empty;
        int colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            error = $"invalid listen address \"{text}\": expected host:port, e.g. 127.0.0.1:9612";
            return false;
        }
        string host = text[..colon];
        string portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            error = $"invalid listen address \"{text}\": port \"{portText}\" is not a number between 0 and 65535";
            return false;
        }
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        if (host.Length != 0 && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(host, out _))
        {
            error = $"invalid listen address \"{text}\": host \"{host}\" must be an IP address, localhost, or empty for all interfaces";
            return false;
        }
        address = new ListenAddress(host, port);
        return true;
    }

    /// <summary>True when only this machine can connect: a loopback address or <c>localhost</c> (false for all interfaces).</summary>
    public bool IsLoopback => Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The address as <c>host:port</c> (IPv6 in brackets).</summary>
    public override string ToString()
        => (Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);
}
