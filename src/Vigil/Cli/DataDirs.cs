using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Cli;

/// <summary>Helpers shared by the read-only commands.</summary>
internal static class DataDirs
{
    /// <summary>Opens <paramref name="dataDir"/> read-only; a missing directory is an error, never silently created.</summary>
    public static ISampleQueryable OpenReadOnly(IStorageProvider provider, string dataDir)
    {
        if (!Directory.Exists(dataDir))
        {
            throw new CliException($"data directory {Path.GetFullPath(dataDir)} does not exist (give --data-dir DIR, or --server URL to read from a running server)");
        }
        try
        {
            return provider.OpenReadOnly(dataDir, NullLoggerFactory.Instance);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read data directory {Path.GetFullPath(dataDir)}: {e.Message}");
        }
    }

    /// <summary>A label set from a Prometheus API JSON object.</summary>
    public static LabelSet LabelsFromJson(JsonElement obj)
    {
        var b = new LabelSetBuilder();
        foreach (var p in obj.EnumerateObject())
        {
            b.Set(p.Name, p.Value.GetString() ?? string.Empty);
        }
        return b.Build();
    }
}
