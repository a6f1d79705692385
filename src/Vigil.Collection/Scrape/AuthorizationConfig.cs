using Vigil.Core.Config;

namespace Vigil.Collection.Scrape;

/// <summary>The <c>Authorization</c> header for scrapes (<c>authorization</c>): a type (Bearer by default) and credentials.</summary>
public sealed class AuthorizationConfig
{
    /// <summary>The scheme written before the credentials; <c>Bearer</c> by default.</summary>
    public string Type { get; init; } = "Bearer";

    /// <summary>The credentials (e.g. a bearer token).</summary>
    [Secret("credentials")]
    public string? Credentials { get; init; }

    /// <summary>A file holding the credentials (read at every scrape), instead of <see cref="Credentials"/>.</summary>
    [NotSecret("a file path; the credentials stay in the file")]
    public string? CredentialsFile { get; init; }
}
