using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Rules;

/// <summary><c>vigil check rules</c> run as the real executable, so a crash shows as a crash.</summary>
public sealed class CheckRulesCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-check-rules-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task CheckRules_RuleWithTenThousandParentheses_PrintsFileLineColErrorAndExits1()
    {
        string expr = new string('(', 10_000) + "up" + new string(')', 10_000);
        await File.WriteAllTextAsync(Path.Combine(_dir, "deep.yml"), $"""
            groups:
              - name: deep
                rules:
                  - record: deep:up
                    expr: {expr}
            """);
        using var vigil = VigilProcess.Start(_dir, "check", "rules", "deep.yml");
        int code = await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 1, $"exit code {code}\nstderr:\n{vigil.Stderr}");
        Assert.Equal(
            "  FAILED:\n" +
            "deep.yml:5:15: group \"deep\", rule 1, \"deep:up\": could not parse expression: 1:1001: parse error: expression exceeds the maximum nesting depth of 1000\n",
            vigil.Stderr.ReplaceLineEndings("\n"));
    }
}
