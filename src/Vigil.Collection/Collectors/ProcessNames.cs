namespace Vigil.Collection.Collectors;

/// <summary>
/// How the <c>process</c> and <c>dotnet</c> collectors name Linux processes: by <c>comm</c> (the kernel's name, at most 15
/// characters), by the file name of <c>argv[0]</c>, and — for the <c>dotnet</c> host running <c>dotnet app.dll</c> — by
/// the application's file name without <c>.dll</c>.
/// </summary>
/// <remarks>Thread-safe (stateless).</remarks>
internal static class ProcessNames
{
    /// <summary>The kernel truncates <c>comm</c> to this many characters.</summary>
    public const int CommLength = 15;

    /// <summary>The pids under a procfs mount, in no particular order.</summary>
    public static List<int> Pids(string procRoot)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories(procRoot))
        {
            string name = Path.GetFileName(dir);
            if (name.Length > 0 && char.IsAsciiDigit(name[0]) && int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    /// <summary>The names a process answers to, best first: the .NET application name, <c>argv[0]</c>'s file name, then <c>comm</c>.</summary>
    /// <param name="comm">The content of <c>/proc/PID/comm</c> (or the name in <c>stat</c>), without the newline.</param>
    /// <param name="cmdline">The content of <c>/proc/PID/cmdline</c>: arguments separated by NUL bytes.</param>
    public static string[] Of(string comm, string cmdline)
    {
        var names = new List<string>(3);
        string[] args = cmdline.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        if (args.Length > 0)
        {
            string exe = Path.GetFileName(args[0]);
            if (exe is "dotnet" or "dotnet.exe")
            {
                // Note: "dotnet [host options] app.dll": the first argument naming a .dll is the application.
                for (int i = 1; i < args.Length; i++)
                {
                    if (args[i].EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                    {
                        names.Add(Path.GetFileNameWithoutExtension(args[i]));
                        break;
                    }
                }
            }
            if (exe.Length > 0)
            {
                names.Add(exe);
            }
        }
        if (comm.Length > 0 && !names.Contains(comm))
        {
            names.Add(comm);
        }
        return [.. names];
    }

    /// <summary>True when one of <paramref name="names"/> (from <see cref="Of"/>) is <paramref name="wanted"/>, allowing for <c>comm</c>'s truncation.</summary>
    public static bool Matches(string[] names, string wanted, string comm)
    {
        foreach (string n in names)
        {
            if (n == wanted)
            {
                return true;
            }
        }
        return wanted.Length > CommLength && comm.Length == CommLength && wanted.StartsWith(comm, StringComparison.Ordinal);
    }
}
