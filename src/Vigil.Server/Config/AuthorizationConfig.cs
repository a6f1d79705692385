namespace Vigil.Server.Config;

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

    internal static AuthorizationConfig? Parse(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return null;
        }
        string type = "Bearer";
        string? credentials = null, credentialsFile = null;
        ConfigEntry? fileEntry = null;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "type":
                    string? t = r.String(e);
                    if (string.Equals(t, "basic", StringComparison.OrdinalIgnoreCase))
                    {
                        r.Invalid(e, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
                    }
                    else if (!string.IsNullOrWhiteSpace(t))
                    {
                        type = t.Trim();
                    }
                    break;
                case "credentials":
                    credentials = r.String(e);
                    break;
                case "credentials_file":
                    credentialsFile = r.ExistingFile(e);
                    fileEntry = e;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (!string.IsNullOrEmpty(credentials) && fileEntry is { } fe)
        {
            r.Error(fe.KeyNode, $"at most one of authorization credentials & credentials_file must be configured in {section.Path}");
        }
        return new AuthorizationConfig { Type = type, Credentials = credentials, CredentialsFile = credentialsFile };
    }
}
