using System.Globalization;
using Vigil.PromQL.Testing;
using Xunit.Abstractions;

namespace Vigil.PromQL.Tests;

/// <summary>Runs every promqltest script of the shared test data (promql and promql-next), one test case per file.</summary>
public sealed class PromQLTestFileTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Files() => TestData.PromQLTestFiles();

    [Theory]
    [MemberData(nameof(Files))]
    public void RunFile_PrometheusScript_EveryEvalRunsAndPasses(string file)
    {
        var runner = new PromQLTestRunner(() => new HeadStorage());
        var result = runner.RunFile(TestData.PromQLTestFile(file));
        output.WriteLine(result.ToString());
        foreach (var e in result.Evals.Where(e => e.Status == EvalStatus.Failed))
        {
            output.WriteLine(file + ":" + e.Line.ToString(CultureInfo.InvariantCulture) + " " + e.Message);
        }
        Assert.True(result.InvalidScript is null, result.InvalidScript);
        Assert.True(result.Evals.Count > 0, file + " has no eval statements");
        Assert.Equal(result.Evals.Count, result.Ran);
        Assert.True(result.Failed == 0, $"{result}\n" + string.Join("\n", result.Evals.Where(e => e.Status == EvalStatus.Failed).Select(e => e.Message)));
    }
}
