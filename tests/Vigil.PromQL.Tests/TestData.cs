namespace Vigil.PromQL.Tests;

/// <summary>Locates the shared test data (never copied into the repository).</summary>
internal static class TestData
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
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }
            env = Environment.GetEnvironmentVariable("VIGIL_TESTDATA");
            if (!string.IsNullOrEmpty(env))
            {
                return Path.Combine(env, "promql");
            }
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "testdata", "promql");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
                dir = dir.Parent;
            }
            throw new DirectoryNotFoundException(
                "shared/testdata/promql not found above " + AppContext.BaseDirectory + "; set VIGIL_PROMQL_TESTDATA");
        }
    }

    /// <summary>The names of all *.test files, sorted.</summary>
    public static IEnumerable<object[]> PromQLTestFiles()
        => Directory.GetFiles(PromQLDirectory, "*.test").Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(f => new object[] { f! });
}
