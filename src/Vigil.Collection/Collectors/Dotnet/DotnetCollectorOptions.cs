namespace Vigil.Collection.Collectors.Dotnet;

/// <summary>One .NET process (or every process of one name) the <c>dotnet</c> collector attaches to over EventPipe.</summary>
/// <remarks>
/// One entry of <c>collectors.dotnet</c> in <c>vigil.yaml</c>; set exactly one of <c>process_name</c> and <c>pid</c>:
/// <code>
/// collectors:
///   dotnet:
///     - process_name: Shop.Api            # every running process of that name, re-attached after restarts
///       meters: [Shop.Orders, Microsoft.AspNetCore.Hosting]
///     - pid: 4242
///       refresh_interval: 10s
/// </code>
/// A process matches a name by its kernel name (<c>comm</c>), the file name of its <c>argv[0]</c>, or, for
/// <c>dotnet app.dll</c>, the application name <c>app</c>. The <c>System.Runtime</c> meter (.NET 9 and later) is
/// always read; <c>meters</c> adds the application's own <c>System.Diagnostics.Metrics</c> meters by name (or
/// <c>Meter\instrument</c> for a single instrument), as <c>dotnet-counters --counters</c> takes them.
/// </remarks>
public sealed class DotnetCollectorOptions
{
    /// <summary>The meter every session reads.</summary>
    public const string RuntimeMeter = "System.Runtime";

    /// <summary><c>process_name</c>: attach to every process of this name.</summary>
    public string? ProcessName { get; set; }

    /// <summary><c>pid</c>: attach to this process id.</summary>
    public int? Pid { get; set; }

    /// <summary><c>meters</c>: application meters to read besides <c>System.Runtime</c>.</summary>
    public List<string> Meters { get; set; } = [];

    /// <summary><c>refresh_interval</c>: how often the process publishes its values; 5 s by default, at least 100 ms.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first problem with these options, naming the key, or null when they are valid.</summary>
    public string? Validate()
    {
        if ((ProcessName is null) == (Pid is null))
        {
            return ProcessName is null ? "one of process_name or pid is required" : "set only one of process_name or pid";
        }
        if (ProcessName is not null && (ProcessName.Length == 0 || ProcessName.Contains('/', StringComparison.Ordinal)))
        {
            return $"process_name: \"{ProcessName}\" is not a process name";
        }
        if (Pid is <= 0)
        {
            return "pid: must be a positive process id";
        }
        foreach (string meter in Meters)
        {
            if (string.IsNullOrWhiteSpace(meter) || meter.IndexOfAny([';', ',', '\r', '\n']) >= 0)
            {
                return $"meters: \"{meter}\" is not a meter name";
            }
        }
        if (RefreshInterval < TimeSpan.FromMilliseconds(100))
        {
            return "refresh_interval: must be at least 100ms";
        }
        return null;
    }
}
