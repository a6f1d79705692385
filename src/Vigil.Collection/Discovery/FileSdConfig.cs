using System.Text.RegularExpressions;

namespace Vigil.Collection.Discovery;

/// <summary>
/// File-based service discovery (<c>file_sd_configs</c>): JSON or YAML files listing target groups, re-read when they
/// change and every <see cref="RefreshInterval"/>.
/// </summary>
public sealed partial class FileSdConfig
{
    /// <summary>Prometheus's default refresh interval: 5m.</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>File paths or patterns (a <c>*</c> in the last path element), resolved against the configuration file's directory.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>How often the files are re-read even without a change notification.</summary>
    public TimeSpan RefreshInterval { get; init; } = DefaultRefreshInterval;

    [GeneratedRegex(@"^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();

    /// <summary>True for a path Prometheus accepts: a .json, .yml or .yaml file, with <c>*</c> only in the last path element.</summary>
    internal static bool IsValidPath(string path) => FileNamePattern().IsMatch(path);
}
