namespace Vigil.Server.Config;

/// <summary>TLS settings for HTTPS scrapes (<c>tls_config</c>): CA, client certificate, server name, verification.</summary>
public sealed class TlsConfig
{
    /// <summary>No custom TLS settings: the system's trust store, no client certificate.</summary>
    public static TlsConfig None { get; } = new();

    /// <summary>A PEM file of CA certificates that replaces the system trust store for verifying the target.</summary>
    public string? CaFile { get; init; }

    /// <summary>A PEM client certificate presented to the target (with <see cref="KeyFile"/>).</summary>
    [NotSecret("a file path; the certificate is public anyway")]
    public string? CertFile { get; init; }

    /// <summary>The PEM private key of <see cref="CertFile"/>.</summary>
    [NotSecret("a file path; the key stays in the file")]
    public string? KeyFile { get; init; }

    /// <summary>The name expected in the target's certificate and sent as SNI, instead of the target's host.</summary>
    public string? ServerName { get; init; }

    /// <summary>Skips verification of the target's certificate (not recommended).</summary>
    public bool InsecureSkipVerify { get; init; }

    internal static TlsConfig Parse(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return None;
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
}
