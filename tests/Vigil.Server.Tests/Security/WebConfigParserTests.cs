using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Vigil.Core.Config;
using Vigil.Server.Security;

namespace Vigil.Server.Tests.Security;

public sealed class WebConfigParserTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-webconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private WebConfig Parse(string yaml) => WebConfigParser.Parse(yaml, "web.yml", _dir);

    private string Error(string yaml) => string.Join("\n", Assert.Throws<ConfigException>(() => Parse(yaml)).Errors);

    [Fact]
    public void Parse_ExporterToolkitFileWithVigilExtensions_AllSettings()
    {
        File.WriteAllText(Path.Combine(_dir, "ci.token"), "0123456789abcdef0123\n");
        string hash = BCrypt.Net.BCrypt.HashPassword("pw", 4).Replace("$2a$", "$2y$", StringComparison.Ordinal);
        var config = Parse($"""
            http_server_config:
              http2: false
              headers:
                X-Frame-Options: deny
                Strict-Transport-Security: max-age=31536000
            basic_auth_users:
              grafana: {hash}
              admin: {hash}
            vigil_user_scopes:
              grafana: read
            bearer_tokens:
              - file: ci.token
                scope: write
            rate_limit:
              interval: 100ms
              burst: 5
            """);

        Assert.False(config.Http2);
        Assert.Equal([new("X-Frame-Options", "deny"), new("Strict-Transport-Security", "max-age=31536000")], config.Headers);
        Assert.Equal(["admin", "grafana"], config.Users.Keys.Order());
        Assert.Equal(AccessScope.Read, config.UserScopes["grafana"]);
        Assert.False(config.UserScopes.ContainsKey("admin"));
        var token = Assert.Single(config.BearerTokens);
        Assert.Equal(("ci", AccessScope.Write), (token.Name, token.Scope));
        Assert.Equal(new WebRateLimit(TimeSpan.FromMilliseconds(100), 5), config.RateLimit);
        Assert.True(config.RequiresAuthentication);
        Assert.Null(config.Tls);
    }

    [Fact]
    public void Parse_TlsVersionsAndCiphers_Read()
    {
        using var certs = new TestSupport.TestCertificates();
        File.WriteAllText(Path.Combine(_dir, "s.pem"), certs.Server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "s.key"), certs.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var tls = Parse($"""
            tls_server_config:
              cert_file: s.pem
              key_file: s.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: {certs.CaFile}
              min_version: TLS13
              cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
            """).Tls!;

        Assert.Equal(SslProtocols.Tls13, tls.Protocols);
        Assert.Equal(ClientAuthType.RequireAndVerifyClientCert, tls.ClientAuth);
        Assert.Equal([System.Net.Security.TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], tls.CipherSuites);
    }

    [Theory]
    [InlineData("basic_auth_user:\n  a: b\n", "web.yml:1:1: unknown key \"basic_auth_user\"")]
    [InlineData("vigil_user_scopes:\n  bob: read\n", "web.yml:2:3: vigil_user_scopes names \"bob\", who is not in basic_auth_users")]
    [InlineData("bearer_tokens:\n  - scope: root\n", "web.yml:2:5: bearer_tokens[0] needs a file holding the token\nweb.yml:2:12: invalid \"scope\" in bearer_tokens[0]: expected one of read, write, admin, got \"root\"")]
    [InlineData("http_server_config:\n  headers:\n    X-Powered-By: me\n", "web.yml:3:5: HTTP header \"X-Powered-By\" can not be configured")]
    [InlineData("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", "web.yml:3:22: invalid \"X-Frame-Options\" in http_server_config.headers: expected one of deny, sameorigin, got \"allow\"")]
    [InlineData("tls_server_config:\n  cert_file: x.pem\n  key_file: x.key\n", "web.yml:2:14: invalid \"cert_file\" in tls_server_config: file")]
    [InlineData("tls_server_config:\n  min_version: TLS14\n", "web.yml:2:16: invalid \"min_version\" in tls_server_config: unknown TLS version: TLS14")]
    [InlineData("tls_server_config:\n  client_allowed_sans: [a]\n", "web.yml:2:3: key \"client_allowed_sans\" in tls_server_config is a Prometheus setting that Vigil does not support")]
    [InlineData("rate_limit: {interval: 1s}\n", "web.yml:1:1: rate_limit: burst must be at least 1 when interval is set")]
    [InlineData("basic_auth_users: [oops\n", "web.yml:2:1: invalid YAML")]
    public void Parse_Mistakes_FileLineColumnAndWhat(string yaml, string expected)
        => Assert.StartsWith(expected, Error(yaml), StringComparison.Ordinal);

    [Fact]
    public void Parse_ShortToken_Refused()
    {
        File.WriteAllText(Path.Combine(_dir, "weak.token"), "secret\n");
        Assert.Contains("the token in", Error("bearer_tokens:\n  - { file: weak.token, scope: read }\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TlsWithoutKey_Refused()
    {
        using var certs = new TestSupport.TestCertificates();
        File.WriteAllText(Path.Combine(_dir, "s.pem"), certs.Server.ExportCertificatePem());
        Assert.Contains("tls_server_config: missing one of key or key_file", Error("tls_server_config:\n  cert_file: s.pem\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeyNotMatchingCertificate_Refused()
    {
        using var certs = new TestSupport.TestCertificates();
        File.WriteAllText(Path.Combine(_dir, "s.pem"), certs.Server.ExportCertificatePem());
        File.Copy(certs.ClientKeyFile, Path.Combine(_dir, "other.key"));
        Assert.Contains("cannot load the certificate and key", Error("tls_server_config:\n  cert_file: s.pem\n  key_file: other.key\n"), StringComparison.Ordinal);
    }
}
