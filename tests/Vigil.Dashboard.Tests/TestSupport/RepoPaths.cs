namespace Vigil.Dashboard.Tests.TestSupport;

/// <summary>Locates the repository (the directory holding <c>Vigil.slnx</c>) from the test binaries.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    /// <summary>Where screenshots go: <c>artifacts/screenshots</c> under the repository, or <c>VIGIL_SCREENSHOTS</c>.</summary>
    public static string Screenshots
        => Environment.GetEnvironmentVariable("VIGIL_SCREENSHOTS") is { Length: > 0 } dir ? dir : Path.Combine(Root, "artifacts", "screenshots");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Vigil.slnx not found above {AppContext.BaseDirectory}");
    }
}
