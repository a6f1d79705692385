using Vigil.PromQL.Testing;
using Xunit.Abstractions;

namespace Vigil.PromQL.Tests;

/// <summary>Runs every promqltest script of the shared test data, one test case per file.</summary>
public sealed class PromQLTestFileTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Files() => TestData.PromQLTestFiles();

    [Theory]
    [MemberData(nameof(Files))]
    public void RunFile_PrometheusScript_EveryNonNativeHistogramEvalPasses(string file)
    {
        var runner = new PromQLTestRunner(() => new MemoryStorage());
        var result = runner.RunFile(Path.Combine(TestData.PromQLDirectory, file));
        output.WriteLine(result.ToString());
        foreach (var e in result.Evals.Where(e => e.Status == EvalStatus.Failed))
        {
            output.WriteLine(e.Message);
        }
        Assert.True(result.InvalidScript is null, result.InvalidScript);
        Assert.True(result.Failed == 0, $"{result}\n" + string.Join("\n", result.Evals.Where(e => e.Status == EvalStatus.Failed).Select(e => e.Message)));
    }
}
