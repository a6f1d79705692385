using System.Globalization;
using System.Text;
using Vigil.PromQL.Testing;
using Xunit.Abstractions;

namespace Vigil.PromQL.Tests;

/// <summary>Runs every promqltest script of the shared test data (promql and promql-next), one test case per file.</summary>
public sealed class PromQLTestFileTests(ITestOutputHelper output)
{
    private const string ListFile = "NativeHistogramEvals.txt";

    public static IEnumerable<object[]> Files() => TestData.PromQLTestFiles();

    [Theory]
    [MemberData(nameof(Files))]
    public void RunFile_PrometheusScript_EveryNonNativeHistogramEvalPasses(string file)
    {
        var runner = new PromQLTestRunner(() => new HeadStorage());
        var result = runner.RunFile(TestData.PromQLTestFile(file));
        output.WriteLine(result.ToString());
        foreach (var e in result.Evals.Where(e => e.Status is EvalStatus.Failed or EvalStatus.NativeHistogram))
        {
            output.WriteLine(e.Status + " " + file + ":" + e.Line.ToString(CultureInfo.InvariantCulture) + " " + e.Message);
        }
        Assert.True(result.InvalidScript is null, result.InvalidScript);
        var excluded = result.Evals.Where(e => e.Status == EvalStatus.NativeHistogram).ToDictionary(e => e.Line);
        bool update = Environment.GetEnvironmentVariable("VIGIL_UPDATE_NATIVE_HISTOGRAM_LIST") == "1";
        if (update)
        {
            UpdateList(file, excluded.Values);
        }
        Assert.True(result.Failed == 0, $"{result}\n" + string.Join("\n", result.Evals.Where(e => e.Status == EvalStatus.Failed).Select(e => e.Message)));
        if (update)
        {
            return;
        }
        var listed = ReadList().Where(l => l.File == file).ToDictionary(l => l.Line);
        var newlyExcluded = excluded.Keys.Except(listed.Keys).Order().ToList();
        var nowPassing = listed.Keys.Except(excluded.Keys).Order().ToList();
        Assert.True(newlyExcluded.Count == 0,
            $"{file}: evals at lines {string.Join(", ", newlyExcluded)} fail for lack of native histograms but are not in {ListFile}: "
            + string.Join("; ", newlyExcluded.Select(l => excluded[l].Message)));
        Assert.True(nowPassing.Count == 0,
            $"{file}: evals at lines {string.Join(", ", nowPassing)} are listed in {ListFile} but now pass; remove them from the list");
    }

    private static List<(string File, int Line, string Reason)> ReadList()
    {
        var list = new List<(string, int, string)>();
        foreach (string raw in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, ListFile)))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            list.Add((line[..colon], int.Parse(line[(colon + 1)..space], CultureInfo.InvariantCulture), line[(space + 1)..]));
        }
        return list;
    }

    /// <summary>Rewrites this file's entries in the checked-in list (developer convenience, opt-in by environment variable).</summary>
    private static void UpdateList(string file, IEnumerable<EvalOutcome> excluded)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vigil.PromQL.Tests.csproj")))
        {
            dir = dir.Parent;
        }
        Assert.NotNull(dir);
        string path = Path.Combine(dir!.FullName, ListFile);
        var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [];
        lines.RemoveAll(l => l.StartsWith(file + ":", StringComparison.Ordinal));
        foreach (var e in excluded.OrderBy(e => e.Line))
        {
            string reason = e.Message ?? string.Empty;
            int cut = reason.IndexOf(" (float-only run", StringComparison.Ordinal);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{file}:{e.Line} {(cut >= 0 ? reason[..cut] : reason)}"));
        }
        var header = lines.Where(l => l.StartsWith('#')).ToList();
        var entries = lines.Where(l => !l.StartsWith('#') && l.Trim().Length != 0)
            .OrderBy(l => l[..l.IndexOf(':', StringComparison.Ordinal)], StringComparer.Ordinal)
            .ThenBy(l => int.Parse(l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..l.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture));
        File.WriteAllText(path, string.Join("\n", header.Concat(entries)) + "\n", new UTF8Encoding(false));
    }
}
