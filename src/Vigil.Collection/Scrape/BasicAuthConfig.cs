using Vigil.Core.Config;

namespace Vigil.Collection.Scrape;

/// <summary>HTTP basic authentication for scrapes (<c>basic_auth</c>): a user name and a password or password file.</summary>
public sealed class BasicAuthConfig
{
    /// <summary>The user name.</summary>
    public string Username { get; init; } = string.Empty;

    /// <summary>A file holding the user name (read at every scrape), instead of <see cref="Username"/>.</summary>
    public string? UsernameFile { get; init; }

    /// <summary>The password.</summary>
    [Secret("password")]
    public string? Password { get; init; }

    /// <summary>A file holding the password (read at every scrape), instead of <see cref="Password"/>.</summary>
    [NotSecret("a file path; the password stays in the file")]
    public string? PasswordFile { get; init; }
}
