namespace Vigil.Benchmarks;

/// <summary>
/// Finds the shared test data for benchmarks: <c>VIGIL_TESTDATA</c> when set, else the first <c>shared/testdata</c>
/// above the benchmark binaries (BenchmarkDotNet runs them from a generated directory under <c>bin</c>) or the
/// current directory.
/// </summary>
internal static class BenchmarkData
{
    public static string PathOf(params string[] parts) => Path.Combine([Root(), .. parts]);

    private static string Root()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("VIGIL_TESTDATA");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "testdata");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("No shared/testdata directory found; set VIGIL_TESTDATA to its location.");
    }
}
