namespace Vigil.Server.Tests.TestSupport;

/// <summary>The checkout's root: the first directory above the test binaries that holds <c>Vigil.slnx</c>.</summary>
internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Vigil.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("Vigil.slnx not found above " + AppContext.BaseDirectory);
    }
}
