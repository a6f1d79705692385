using Vigil.Core.Config;
using Vigil.Optimizer.Executors;
using Vigil.Server.Config;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>The optimization section's executor safety rules and allow-lists, as <c>vigil check config</c> reports them.</summary>
public sealed class ExecutorSafetyConfigTests
{
    private static VigilConfig Parse(string yaml) => VigilConfig.Parse(yaml, "vigil.yaml", Path.GetTempPath());

    private static List<string> Errors(string yaml)
        => Assert.Throws<ConfigException>(() => Parse(yaml)).Errors.Select(e => e.ToString()).ToList();

    [Fact]
    public void Parse_AllowLists_BoundAndExecutorsWithinThemAccepted()
    {
        var o = Parse("""
            optimization:
              executors:
                - name: run
                  type: command
                  command: [/opt/vigil/actions/resize, '{{ .Parameters.size }}']
                  rollback_command: [/opt/vigil/actions/resize, '{{ .Previous }}']
                - name: hook
                  type: webhook
                  request: { url: 'https://ops.example.com/scale/{{ .Target }}' }
                  rollback: { url: 'https://api.svc.cluster.local:8443/size' }
              allowed_commands: [/opt/vigil/actions/*]
              allowed_webhook_hosts: [ops.example.com, "*.svc.cluster.local:8443"]
            """).Optimization!;

        Assert.Equal(["/opt/vigil/actions/*"], o.AllowedCommands);
        Assert.Equal(["ops.example.com", "*.svc.cluster.local:8443"], o.AllowedWebhookHosts);
        Assert.Equal(2, o.Executors.Count);
    }

    [Fact]
    public void Parse_ExecutorsOutsideTheAllowListsOrTemplatingIntoCode_EveryOneReportedWithItsPosition()
    {
        var errors = Errors("""
            optimization:
              allowed_commands: [/opt/vigil/actions/*, relative/tool]
              allowed_webhook_hosts: [ops.example.com, 'https://x/', 'a:99999']
              executors:
                - name: escape
                  type: command
                  command: [/opt/vigil/actions/../../../bin/rm, -rf, /]
                  rollback_command: [/opt/vigil/actions/undo]
                - name: shell
                  type: command
                  command: [/opt/vigil/actions/run, --then, /bin/bash, -c, 'curl {{ .Labels.url }}']
                  rollback_command: [/opt/vigil/actions/undo]
                - name: hook
                  type: webhook
                  request: { url: 'https://evil.example.net/scale' }
                  rollback: { url: 'https://{{ .Labels.host }}/size' }
                - name: knob
                  type: tunable
                  url: http://127.0.0.1:5080
            """);

        Assert.Equal(
        [
            "vigil.yaml:2:44: invalid \"allowed_commands\" in optimization: \"relative/tool\" is not an absolute path (or a pattern of one, like /opt/vigil/actions/*)",
            "vigil.yaml:3:44: invalid \"allowed_webhook_hosts\" in optimization: \"https://x/\" is not a host name, address or host:port (no scheme or path)",
            "vigil.yaml:3:58: invalid \"allowed_webhook_hosts\" in optimization: \"a:99999\" has an invalid port",
            "vigil.yaml:7:17: invalid \"command\" in optimization.executors[0]: \"/bin/rm\" is not in optimization.allowed_commands (/opt/vigil/actions/*)",
            "vigil.yaml:11:64: invalid \"command\" in optimization.executors[1]: argument 4 is a template inside code that is run (bash -c runs its first operand as a shell script), so a pushed label could run commands as Vigil; pass values as environment variables instead, e.g. [/bin/sh, -c, 'echo \"service=$VIGIL_LABEL_service\"'] (also $VIGIL_TARGET, $VIGIL_PARAM_<NAME> and the executor's env), or as arguments after the script: [/bin/sh, -c, 'echo \"$1\"', sh, '{{ .Labels.service }}']",
            "vigil.yaml:15:23: invalid \"url\" in optimization.executors[2].request: host evil.example.net:443 is not in optimization.allowed_webhook_hosts (ops.example.com)",
            "vigil.yaml:16:24: invalid \"url\" in optimization.executors[2].rollback: write the scheme and host of the URL literally (http://host:port/...); templates may appear only in the path and query",
            "vigil.yaml:19:12: invalid \"url\" in optimization.executors[3]: host 127.0.0.1:5080 is not in optimization.allowed_webhook_hosts (ops.example.com)",
        ], errors.Where(e => !e.Contains("needs", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("/opt/vigil/actions/*", "/opt/vigil/actions/resize", true)]
    [InlineData("/opt/vigil/actions/*", "/opt/vigil/actions/sub/resize", false)]
    [InlineData("/opt/vigil/**", "/opt/vigil/actions/sub/resize", true)]
    [InlineData("/opt/vigil/actions/*", "/opt/vigil/actions/../../../bin/sh", false)]
    [InlineData("/usr/local/bin/resize", "/usr/local/bin/resize", true)]
    [InlineData("/usr/local/bin/resize", "/usr/local/bin/resize2", false)]
    public void CheckCommand_Patterns(string pattern, string program, bool allowed)
        => Assert.Equal(allowed, new ExecutorAllowList([pattern], []).CheckCommand(program) is null);

    [Theory]
    [InlineData("ops.example.com", "https://ops.example.com/x", true)]
    [InlineData("ops.example.com", "https://OPS.example.com:8443/x", true)]
    [InlineData("ops.example.com:443", "https://ops.example.com/x", true)]
    [InlineData("ops.example.com:443", "http://ops.example.com/x", false)]
    [InlineData("*.example.com", "https://a.b.example.com/x", true)]
    [InlineData("*.example.com", "https://example.com/x", false)]
    [InlineData("*.example.com", "https://evilexample.com/x", false)]
    [InlineData("[::1]:9000", "http://[::1]:9000/x", true)]
    [InlineData("127.0.0.1", "http://127.0.0.2/x", false)]
    public void CheckUrl_Patterns(string pattern, string url, bool allowed)
        => Assert.Equal(allowed, new ExecutorAllowList([], [pattern]).CheckUrl(new Uri(url)) is null);
}
