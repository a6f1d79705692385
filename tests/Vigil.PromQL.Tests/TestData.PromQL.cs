namespace Vigil.Tests;

/// <summary>The PromQL test scripts in the shared test data (never copied into the repository).</summary>
internal static partial class TestData
{
    /// <summary>
    /// The promqltest directory: <c>VIGIL_PROMQL_TESTDATA</c>, else <c>VIGIL_TESTDATA</c>/promql, else the first
    /// <c>shared/testdata/promql</c> found walking up from the test binary.
    /// </summary>
    public static string PromQLDirectory
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("VIGIL_PROMQL_TESTDATA");
            return string.IsNullOrEmpty(env) ? PathOf("promql") : env;
        }
    }

    /// <summary>
    /// The directory of the newer promqltest scripts (<c>promql-next</c>), next to <see cref="PromQLDirectory"/>; null
    /// when <c>VIGIL_PROMQL_TESTDATA</c> names a directory without that sibling.
    /// </summary>
    public static string? PromQLNextDirectory
    {
        get
        {
            string next = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(PromQLDirectory).TrimEnd(Path.DirectorySeparatorChar))!, "promql-next");
            if (Directory.Exists(next))
            {
                return next;
            }
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("VIGIL_PROMQL_TESTDATA")))
            {
                return null;
            }
            throw new DirectoryNotFoundException(next + " not found; the suite runs promql and promql-next");
        }
    }

    /// <summary>All *.test files of <c>promql</c> and <c>promql-next</c> as <c>dir/name.test</c>, sorted.</summary>
    public static IEnumerable<object[]> PromQLTestFiles()
    {
        var dirs = new List<(string Name, string Path)> { ("promql", PromQLDirectory) };
        if (PromQLNextDirectory is { } next)
        {
            dirs.Add(("promql-next", next));
        }
        return dirs.SelectMany(d => Directory.GetFiles(d.Path, "*.test").Select(f => d.Name + "/" + Path.GetFileName(f)))
            .Order(StringComparer.Ordinal).Select(f => new object[] { f });
    }

    /// <summary>The full path of a file named as <see cref="PromQLTestFiles"/> names it.</summary>
    public static string PromQLTestFile(string relative)
    {
        int slash = relative.IndexOf('/', StringComparison.Ordinal);
        string dir = relative[..slash] == "promql" ? PromQLDirectory : PromQLNextDirectory!;
        return Path.Combine(dir, relative[(slash + 1)..]);
    }
}
