using Vigil.Collection.Scrape;
using Vigil.Server.Config.Binding;

namespace Vigil.Server.Config;

/// <summary>
/// The keys of the HTTP client sections a scrape job, a remote write and the remote store share (<c>tls_config</c>,
/// <c>basic_auth</c>, <c>authorization</c>), declared onto <see cref="TlsConfig"/>, <see cref="BasicAuthConfig"/> and
/// <see cref="AuthorizationConfig"/>, with Prometheus's checks.
/// </summary>
internal static class HttpClientSchema
{
    private sealed record Tls(string? CaFile = null, string? CertFile = null, string? KeyFile = null, string? ServerName = null, bool InsecureSkipVerify = false);

    private sealed record Basic(string Username = "", string? UsernameFile = null, string? Password = null, string? PasswordFile = null);

    private sealed record Auth(string Type = "Bearer", string? Credentials = null, string? CredentialsFile = null);

    /// <summary>A file that must exist (its path resolved against the configuration's directory); null when it does not.</summary>
    public static readonly ConfigValue<string?> ExistingFile = (ConfigReader r, ConfigEntry e, out string? value) =>
    {
        value = r.ExistingFile(e);
        return true;
    };

    /// <summary>A scalar as a string; null (without a problem) for a YAML null.</summary>
    public static readonly ConfigValue<string?> OptionalText = (ConfigReader r, ConfigEntry e, out string? value) =>
    {
        value = r.String(e);
        return true;
    };

    private static readonly ConfigSchema<Tls> TlsKeys = new ConfigSchema<Tls>()
        .Key("ca_file", ExistingFile, (o, v) => o with { CaFile = v })
        .Key("cert_file", ExistingFile, (o, v) => o with { CertFile = v })
        .Key("key_file", ExistingFile, (o, v) => o with { KeyFile = v })
        .Key("server_name", OptionalText, (o, v) => o with { ServerName = v })
        .Custom("insecure_skip_verify", (r, e, o) => o with { InsecureSkipVerify = r.Bool(e) ?? false })
        .Unsupported("ca", "cert", "key", "min_version", "max_version", "ca_ref", "cert_ref", "key_ref")
        .Finish(b =>
        {
            if (b.Has("cert_file") && !b.Has("key_file"))
            {
                b.Reader.Error(b.Entry("cert_file").KeyNode, $"client cert file specified without client key file in {b.Where}");
            }
            if (b.Has("key_file") && !b.Has("cert_file"))
            {
                b.Reader.Error(b.Entry("key_file").KeyNode, $"client key file specified without client cert file in {b.Where}");
            }
            return b.Value;
        });

    private static readonly ConfigSchema<Basic> BasicKeys = new ConfigSchema<Basic>()
        .Custom("username", (r, e, o) => o with { Username = r.String(e) ?? string.Empty })
        .Key("username_file", ExistingFile, (o, v) => o with { UsernameFile = v })
        .Key("password", OptionalText, (o, v) => o with { Password = v })
        .Key("password_file", ExistingFile, (o, v) => o with { PasswordFile = v })
        .Finish(b =>
        {
            if (b.Value.Username.Length != 0 && b.Has("username_file"))
            {
                b.Reader.Error(b.Entry("username_file").KeyNode, $"at most one of basic_auth username & username_file must be configured in {b.Where}");
            }
            if (!string.IsNullOrEmpty(b.Value.Password) && b.Has("password_file"))
            {
                b.Reader.Error(b.Entry("password_file").KeyNode, $"at most one of basic_auth password & password_file must be configured in {b.Where}");
            }
            return b.Value;
        });

    private static readonly ConfigSchema<Auth> AuthKeys = new ConfigSchema<Auth>()
        .Custom("type", (r, e, o) =>
        {
            string? t = r.String(e);
            if (string.Equals(t, "basic", StringComparison.OrdinalIgnoreCase))
            {
                r.Invalid(e, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
                return null;
            }
            return string.IsNullOrWhiteSpace(t) ? null : o with { Type = t.Trim() };
        })
        .Key("credentials", OptionalText, (o, v) => o with { Credentials = v })
        .Key("credentials_file", ExistingFile, (o, v) => o with { CredentialsFile = v })
        .Finish(b =>
        {
            if (!string.IsNullOrEmpty(b.Value.Credentials) && b.Has("credentials_file"))
            {
                b.Reader.Error(b.Entry("credentials_file").KeyNode, $"at most one of authorization credentials & credentials_file must be configured in {b.Where}");
            }
            return b.Value;
        });

    /// <summary>Maps <c>tls_config</c>; <see cref="TlsConfig.None"/> when null.</summary>
    public static TlsConfig ParseTls(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return TlsConfig.None;
        }
        var t = TlsKeys.Bind(r, section, new Tls())!;
        return new TlsConfig
        {
            CaFile = t.CaFile, CertFile = t.CertFile, KeyFile = t.KeyFile, ServerName = string.IsNullOrEmpty(t.ServerName) ? null : t.ServerName,
            InsecureSkipVerify = t.InsecureSkipVerify,
        };
    }

    /// <summary>Maps <c>basic_auth</c>; null when null.</summary>
    public static BasicAuthConfig? ParseBasicAuth(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return null;
        }
        var b = BasicKeys.Bind(r, section, new Basic())!;
        return new BasicAuthConfig { Username = b.Username, UsernameFile = b.UsernameFile, Password = b.Password, PasswordFile = b.PasswordFile };
    }

    /// <summary>Maps <c>authorization</c>; null when null.</summary>
    public static AuthorizationConfig? ParseAuthorization(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return null;
        }
        var a = AuthKeys.Bind(r, section, new Auth())!;
        return new AuthorizationConfig { Type = a.Type, Credentials = a.Credentials, CredentialsFile = a.CredentialsFile };
    }
}
