using Vigil.Core.Config;

namespace Vigil.Collection.Scrape;

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
}
