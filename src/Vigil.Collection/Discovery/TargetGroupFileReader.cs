namespace Vigil.Collection.Discovery;

/// <summary>
/// Reads one file of file-based discovery (<c>file_sd_configs</c>) into its target groups; throws
/// <see cref="Core.Config.ConfigException"/> naming file, line and column when the file cannot be read or is invalid.
/// </summary>
/// <remarks>
/// The host supplies it (its configuration layer parses the JSON and YAML documents), so discovery needs no parser of
/// its own. Called from a timer thread; must be safe to call concurrently for different files.
/// </remarks>
/// <param name="path">The file's full path.</param>
public delegate IReadOnlyList<TargetGroup> TargetGroupFileReader(string path);
