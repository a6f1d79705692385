namespace Vigil.Server.Config;

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

    internal static BasicAuthConfig? Parse(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return null;
        }
        string username = string.Empty;
        string? usernameFile = null, password = null, passwordFile = null;
        ConfigEntry? passwordFileEntry = null, usernameFileEntry = null;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "username":
                    username = r.String(e) ?? string.Empty;
                    break;
                case "username_file":
                    usernameFile = r.ExistingFile(e);
                    usernameFileEntry = e;
                    break;
                case "password":
                    password = r.String(e);
                    break;
                case "password_file":
                    passwordFile = r.ExistingFile(e);
                    passwordFileEntry = e;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (username.Length != 0 && usernameFileEntry is { } uf)
        {
            r.Error(uf.KeyNode, $"at most one of basic_auth username & username_file must be configured in {section.Path}");
        }
        if (!string.IsNullOrEmpty(password) && passwordFileEntry is { } pf)
        {
            r.Error(pf.KeyNode, $"at most one of basic_auth password & password_file must be configured in {section.Path}");
        }
        return new BasicAuthConfig { Username = username, UsernameFile = usernameFile, Password = password, PasswordFile = passwordFile };
    }
}
