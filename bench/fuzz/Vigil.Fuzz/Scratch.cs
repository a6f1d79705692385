namespace Vigil.Fuzz;

/// <summary>A per-process scratch directory for targets that need files (config base directory, data directories).</summary>
internal static class Scratch
{
    private static readonly Lazy<string> s_directory = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), "vigil-fuzz-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        System.IO.Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Note: best effort; a crashed child leaves its folder in the temp directory.
            }
        };
        return dir;
    });

    /// <summary>The directory, created on first use and removed when the process exits normally.</summary>
    public static string Directory => s_directory.Value;
}
