namespace Vigil.Tests;

/// <summary>
/// Locates the shared test data (<c>shared/testdata</c>) at test time: the <c>VIGIL_TESTDATA</c> environment variable
/// when set, else the first <c>shared/testdata</c> found walking up from the test binaries. Files are read in place,
/// never copied into the repository. One file, compiled into each test project that reads the data.
/// </summary>
internal static partial class TestData
{
    private static readonly Lazy<string> s_root = new(Locate);

    /// <summary>The absolute path of the test data directory.</summary>
    public static string Root => s_root.Value;

    /// <summary>The absolute path of a file under the test data directory.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The bytes of a file under the test data directory.</summary>
    public static byte[] ReadBytes(params string[] parts) => File.ReadAllBytes(PathOf(parts));

    private static string Locate()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("VIGIL_TESTDATA");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            if (!Directory.Exists(fromEnvironment))
            {
                throw new DirectoryNotFoundException($"VIGIL_TESTDATA points to \"{fromEnvironment}\", which does not exist.");
            }
            return Path.GetFullPath(fromEnvironment);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "testdata");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"No shared/testdata directory above {AppContext.BaseDirectory}; set VIGIL_TESTDATA to its location.");
    }
}
