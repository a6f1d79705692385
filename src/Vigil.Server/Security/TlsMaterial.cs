using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vigil.Server.Security;

/// <summary>
/// The certificates of a <see cref="WebTlsConfig"/>: the server certificate with its key and the intermediates that
/// follow it in the PEM, and the client CAs. Loaded from the files (or inline PEM) each time the files change.
/// </summary>
internal sealed class TlsMaterial : IDisposable
{
    private TlsMaterial(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2Collection clientCas)
    {
        Certificate = certificate;
        Intermediates = intermediates;
        ClientCas = clientCas;
        Context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection Intermediates { get; }

    public X509Certificate2Collection ClientCas { get; }

    /// <summary>What the TLS handshake sends: the certificate and its chain.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>Reads the certificate, key and client CAs; throws <see cref="CryptographicException"/> or <see cref="IOException"/> when they cannot be used.</summary>
    public static TlsMaterial Load(WebTlsConfig config)
    {
        string certPem = config.CertFile is { } cf ? File.ReadAllText(cf) : config.CertPem ?? throw new ArgumentException("no certificate");
        string keyPem = config.KeyFile is { } kf ? File.ReadAllText(kf) : config.KeyPem ?? throw new ArgumentException("no key");
        using var withEphemeralKey = X509Certificate2.CreateFromPem(certPem, keyPem);
        // Note: a certificate with an ephemeral key works for TLS on Linux; re-importing as PKCS#12 makes it work everywhere.
        var certificate = X509CertificateLoader.LoadPkcs12(withEphemeralKey.Export(X509ContentType.Pkcs12), null);
        var all = new X509Certificate2Collection();
        all.ImportFromPem(certPem);
        var intermediates = new X509Certificate2Collection();
        foreach (var c in all)
        {
            if (c.Thumbprint != certificate.Thumbprint)
            {
                intermediates.Add(c);
            }
            else
            {
                c.Dispose();
            }
        }
        var cas = new X509Certificate2Collection();
        string? caPem = config.ClientCaFile is { } caf ? File.ReadAllText(caf) : config.ClientCaPem;
        if (caPem is not null)
        {
            cas.ImportFromPem(caPem);
            if (cas.Count == 0)
            {
                certificate.Dispose();
                throw new CryptographicException("the client CA holds no PEM certificate");
            }
        }
        return new TlsMaterial(certificate, intermediates, cas);
    }

    /// <summary>
    /// Checks a client certificate as <paramref name="type"/> asks: whether one is required, and whether it must chain
    /// to the client CAs (with the client-authentication usage).
    /// </summary>
    public bool AcceptsClient(ClientAuthType type, X509Certificate? presented)
    {
        switch (type)
        {
            case ClientAuthType.NoClientCert or ClientAuthType.RequestClientCert:
                return true;
            case ClientAuthType.RequireAnyClientCert:
                return presented is not null;
            case ClientAuthType.VerifyClientCertIfGiven when presented is null:
                return true;
            default:
                return presented is not null && Verify(presented);
        }
    }

    private bool Verify(X509Certificate presented)
    {
        using var cert = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ClientCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(cert);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var c in Intermediates)
        {
            c.Dispose();
        }
        foreach (var c in ClientCas)
        {
            c.Dispose();
        }
    }
}
