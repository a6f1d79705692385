using System.Diagnostics;
using Vigil.Rules.Testing;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Rules;

public sealed class RuleUnitTesterTests
{
    private static readonly string DataDir = Path.Combine(AppContext.BaseDirectory, "RuleTestData");

    public static TheoryData<string> TestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(DataDir, "*.yml").Select(Path.GetFileName).Where(f => f!.StartsWith("pass_", StringComparison.Ordinal) || f.StartsWith("fail_", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            data.Add(f!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TestFiles))]
    public async Task Run_SameVerdictAsPromtool(string file)
    {
        string promtool = Processes.FindExecutable("promtool") ?? throw new InvalidOperationException("promtool not found: install Debian's 'prometheus' package");
        var psi = new ProcessStartInfo(promtool, ["test", "rules", file])
        {
            WorkingDirectory = DataDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string promOut = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string cwd = Environment.CurrentDirectory;
        int code = new RuleUnitTester(() => new MemoryStorage()).Run([Path.Combine(DataDir, file)], stdout, stderr);

        int expected = file.StartsWith("pass_", StringComparison.Ordinal) ? 0 : 1;
        Assert.True(expected == p.ExitCode, $"promtool exit {p.ExitCode}, expected {expected}:\n{promOut}");
        Assert.True(expected == code, $"vigil exit {code}, expected {expected}:\n{stdout}{stderr}");
        Assert.Equal(cwd, Environment.CurrentDirectory);
        Assert.Contains(expected == 0 ? "  SUCCESS" : "  FAILED:", expected == 0 ? stdout.ToString() : stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WrongAlertLabels_PrintsExpectedAndGotLikePromtool()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = new RuleUnitTester(() => new MemoryStorage()).Run([Path.Combine(DataDir, "fail_alert_labels.yml")], stdout, stderr);
        Assert.Equal(1, code);
        string err = stderr.ToString();
        Assert.Contains("alertname: InstanceDown, time: 6m, ", err, StringComparison.Ordinal);
        Assert.Contains("Labels:{alertname=\"InstanceDown\", instance=\"a\", job=\"node\", severity=\"warning\"}", err, StringComparison.Ordinal);
        Assert.Contains("Labels:{alertname=\"InstanceDown\", instance=\"a\", job=\"node\", severity=\"critical\"}", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ExpressionMismatch_PrintsBothSampleSets()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        new RuleUnitTester(() => new MemoryStorage()).Run([Path.Combine(DataDir, "fail_exprs.yml")], stdout, stderr);
        Assert.Contains("expr: \"job:requests:sum\", time: 5m,\n        exp: job:requests:sum{job=\"api\"} 2E+00\n        got: job:requests:sum{job=\"api\"} 3E+02", stderr.ToString(), StringComparison.Ordinal);
    }
}
