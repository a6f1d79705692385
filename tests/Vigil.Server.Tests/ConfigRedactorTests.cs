using Vigil.Server.Config;

namespace Vigil.Server.Tests;

public sealed class ConfigRedactorTests
{
    [Fact]
    public void Redact_SecretsAnywhere_AreReplacedAndTheRestKept()
    {
        const string yaml = """
            global:
              scrape_interval: 15s   # a comment
            scrape_configs:
              - job_name: app
                basic_auth:
                  username: alice
                  password: hunter2
                  password_file: /etc/vigil/pass
                authorization:
                  credentials: abc.def
                static_configs:
                  - targets: ['a:9100']
            collectors:
              postgres:
                - connection_string: "Host=db;Username=vigil;Password=s3cret"
            remote_write:
              - url: https://bob:topsecret@metrics.example/api/v1/write
            """;

        string redacted = ConfigRedactor.Redact(yaml);

        Assert.DoesNotContain("hunter2", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("abc.def", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecret", redacted, StringComparison.Ordinal);
        Assert.Contains("password: <secret>", redacted, StringComparison.Ordinal);
        Assert.Contains("credentials: <secret>", redacted, StringComparison.Ordinal);
        Assert.Contains("connection_string: <secret>", redacted, StringComparison.Ordinal);
        Assert.Contains("url: https://bob:<secret>@metrics.example/api/v1/write", redacted, StringComparison.Ordinal);
        // File paths and ordinary values stay readable.
        Assert.Contains("password_file: /etc/vigil/pass", redacted, StringComparison.Ordinal);
        Assert.Contains("username: alice", redacted, StringComparison.Ordinal);
        Assert.Contains("scrape_interval: 15s", redacted, StringComparison.Ordinal);
        Assert.Contains("a:9100", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_NoSecrets_KeepsEveryValue()
    {
        string redacted = ConfigRedactor.Redact("storage:\n  retention: 30d\nrule_files: [rules/*.yml]\n");

        Assert.Equal("storage:\n  retention: 30d\nrule_files: [rules/*.yml]\n", redacted.ReplaceLineEndings("\n"));
    }
}
