using Vigil.Collection.Scrape;

namespace Vigil.Server.Config;

/// <summary>Maps the HTTP client sections of a scrape job (<c>tls_config</c>, <c>basic_auth</c>, <c>authorization</c>) onto their options, with Prometheus's checks.</summary>
internal static class HttpClientConfigParser
{
    /// <summary>Maps <c>tls_config</c>; <see cref="TlsConfig.None"/> when null.</summary>
    public static TlsConfig ParseTls(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return TlsConfig.None;
        }
        string? ca = null, cert = null, key = null, serverName = null;
        bool insecure = false;
        ConfigEntry? certEntry = null, keyEntry = null;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "ca_file":
                    ca = r.ExistingFile(e);
                    break;
                case "cert_file":
                    cert = r.ExistingFile(e);
                    certEntry = e;
                    break;
                case "key_file":
                    key = r.ExistingFile(e);
                    keyEntry = e;
                    break;
                case "server_name":
                    serverName = r.String(e);
                    break;
                case "insecure_skip_verify":
                    insecure = r.Bool(e) ?? false;
                    break;
                case "ca" or "cert" or "key" or "min_version" or "max_version" or "ca_ref" or "cert_ref" or "key_ref":
                    r.Unsupported(e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (certEntry is { } c && keyEntry is null)
        {
            r.Error(c.KeyNode, $"client cert file specified without client key file in {section.Path}");
        }
        if (keyEntry is { } k && certEntry is null)
        {
            r.Error(k.KeyNode, $"client key file specified without client cert file in {section.Path}");
        }
        return new TlsConfig { CaFile = ca, CertFile = cert, KeyFile = key, ServerName = string.IsNullOrEmpty(serverName) ? null : serverName, InsecureSkipVerify = insecure };
    }

    /// <summary>Maps <c>basic_auth</c>; null when null.</summary>
    public static BasicAuthConfig? ParseBasicAuth(ConfigReader r, ConfigEntry section)
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

    /// <summary>Maps <c>authorization</c>; null when null.</summary>
    public static AuthorizationConfig? ParseAuthorization(ConfigReader r, ConfigEntry section)
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
