using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

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

    internal static FileSdConfig Parse(ConfigReader r, YamlNode node, string where)
    {
        var files = new List<string>();
        var refresh = DefaultRefreshInterval;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "files":
                    foreach (var (fileNode, fileWhere) in r.Sequence(e))
                    {
                        if (r.ScalarItem(fileNode, fileWhere, "a file name or pattern") is not { } f)
                        {
                            continue;
                        }
                        if (!FileNamePattern().IsMatch(f))
                        {
                            r.Error(fileNode, $"path name \"{f}\" is not valid for file discovery in {fileWhere} (expected a .json, .yml or .yaml file; '*' only in the last path element)");
                            continue;
                        }
                        files.Add(r.ResolvePath(f));
                    }
                    break;
                case "refresh_interval":
                    refresh = GlobalConfig.PositiveDuration(r, e) ?? refresh;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new FileSdConfig { Files = files, RefreshInterval = refresh };
    }
}
