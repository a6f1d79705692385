using System.Net.Http.Headers;
using System.Text;

namespace Vigil.Sdk.Exposition;

/// <summary>
/// Credentials for a Vigil server that has a web configuration with authentication: a bearer token or a basic-auth
/// user name and password. Sent in the <c>Authorization</c> header of every request.
/// </summary>
public sealed class VigilServerCredentials
{
    private readonly string _scheme;
    private readonly string _parameter;

    private VigilServerCredentials(string scheme, string parameter, string description)
    {
        _scheme = scheme;
        _parameter = parameter;
        Description = description;
    }

    /// <summary>What the credentials are, without the secret (for messages): <c>bearer token</c> or <c>basic auth as USER</c>.</summary>
    public string Description { get; }

    /// <summary>A bearer token (<c>Authorization: Bearer TOKEN</c>).</summary>
    public static VigilServerCredentials Bearer(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        return new("Bearer", token.Trim(), "bearer token");
    }

    /// <summary>A basic-auth user and password (<c>Authorization: Basic base64(user:password)</c>).</summary>
    public static VigilServerCredentials Basic(string user, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("a basic-auth user name cannot contain ':'", nameof(user));
        }
        return new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)), "basic auth as " + user);
    }

    /// <summary>
    /// Reads credentials from a file's first line: <c>user:password</c> for basic auth, anything else is a bearer
    /// token. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when it cannot be read,
    /// <see cref="FormatException"/> when it is empty.
    /// </summary>
    public static VigilServerCredentials FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path, Encoding.UTF8);
        string line = (reader.ReadLine() ?? string.Empty).Trim();
        if (line.Length == 0)
        {
            throw new FormatException($"{path} is empty: it should hold a bearer token or user:password on its first line");
        }
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? Basic(line[..colon], line[(colon + 1)..]) : Bearer(line);
    }

    /// <summary>The Authorization header value.</summary>
    public AuthenticationHeaderValue ToHeader() => new(_scheme, _parameter);

    /// <inheritdoc />
    public override string ToString() => Description;
}
