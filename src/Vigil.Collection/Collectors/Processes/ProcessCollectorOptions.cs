using System.Globalization;

namespace Vigil.Collection.Collectors.Processes;

/// <summary>One group of processes the <c>process</c> collector watches, chosen by name and/or pid.</summary>
/// <remarks>
/// One entry of <c>collectors.process</c> in <c>vigil.yaml</c>:
/// <code>
/// collectors:
///   process:
///     - names: [postgres, nginx]        # one group per name: groupname="postgres", groupname="nginx"
///     - pids: [4242]
///       group: billing                  # everything this entry matches is one group named billing
/// </code>
/// A process matches a name by its kernel name (<c>comm</c>), the file name of its <c>argv[0]</c>, or, for
/// <c>dotnet app.dll</c>, the application name <c>app</c>. A process belongs to the first entry that matches it.
/// </remarks>
public sealed class ProcessCollectorOptions
{
    /// <summary><c>names</c>: process names to match.</summary>
    public List<string> Names { get; set; } = [];

    /// <summary><c>pids</c>: process ids to match.</summary>
    public List<int> Pids { get; set; } = [];

    /// <summary><c>group</c>: the <c>groupname</c> label for everything this entry matches; without it each name is its own group and a pid's group is its process name.</summary>
    public string? Group { get; set; }

    /// <summary>The first problem with these options, naming the key, or null when they are valid.</summary>
    public string? Validate()
    {
        if (Names.Count == 0 && Pids.Count == 0)
        {
            return "names or pids is required";
        }
        foreach (string n in Names)
        {
            if (string.IsNullOrWhiteSpace(n) || n.Contains('/', StringComparison.Ordinal))
            {
                return $"names: \"{n}\" is not a process name";
            }
        }
        foreach (int pid in Pids)
        {
            if (pid <= 0)
            {
                return $"pids: {pid.ToString(CultureInfo.InvariantCulture)} is not a process id";
            }
        }
        if (Group is not null && Group.Length == 0)
        {
            return "group: must not be empty";
        }
        return null;
    }
}
