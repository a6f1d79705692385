using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>A throw-away CA with a server certificate (127.0.0.1 and metrics.test) and a client certificate, as PEM files.</summary>
internal sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("vigil-tls-").FullName;
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Vigil Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-2), now.AddDays(2));
        File.WriteAllText(CaFile, ca.ExportCertificatePem());

        Server = Issue(ca, "CN=metrics.test", [new Oid("1.3.6.1.5.5.7.3.1")], san =>
        {
            san.AddDnsName("metrics.test");
            san.AddIpAddress(IPAddress.Loopback);
        }, out _);
        using var client = Issue(ca, "CN=vigil-client", [new Oid("1.3.6.1.5.5.7.3.2")], _ => { }, out var clientKey);
        File.WriteAllText(ClientCertFile, client.ExportCertificatePem());
        File.WriteAllText(ClientKeyFile, clientKey);
    }

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string ClientCertFile => Path.Combine(Directory, "client.pem");

    public string ClientKeyFile => Path.Combine(Directory, "client-key.pem");

    /// <summary>The server certificate with its private key.</summary>
    public X509Certificate2 Server { get; }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, Oid[] usages, Action<SubjectAlternativeNameBuilder> names, out string keyPem)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], false));
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        keyPem = key.ExportPkcs8PrivateKeyPem();
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        Server.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
