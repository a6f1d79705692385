using System.IO.Enumeration;
using Microsoft.Extensions.Logging;
using Vigil.Core.Config;
using Vigil.Core.Model;

namespace Vigil.Collection.Discovery;

/// <summary>
/// Watches the files of one <c>file_sd_configs</c> entry and reports the union of their target groups whenever it
/// changes: on file-system notifications (debounced) and every refresh interval.
/// </summary>
/// <remarks>
/// A file that fails to parse keeps the groups it last produced (the error is logged and counted); a deleted file drops
/// its groups. <see cref="Changed"/> is raised from a timer thread, never concurrently with itself. Thread-safe.
/// </remarks>
internal sealed class FileSdProvider : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    private readonly FileSdConfig _config;
    private readonly ILogger _logger;
    private readonly TargetGroupFileReader _read;
    private readonly Action<string> _onReadError;
    private readonly object _lock = new();
    private readonly Dictionary<string, (DateTime Modified, long Length, IReadOnlyList<TargetGroup> Groups)> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
    private readonly List<FileSystemWatcher> _watchers = new();
    private Timer? _debounceTimer;
    private Timer? _refreshTimer;
    private List<TargetGroup> _current = new();
    private bool _disposed;

    public FileSdProvider(FileSdConfig config, TargetGroupFileReader read, ILogger logger, Action<string> onReadError)
    {
        _config = config;
        _read = read;
        _logger = logger;
        _onReadError = onReadError;
    }

    /// <summary>Raised with all current groups after a refresh that changed them.</summary>
    public event Action<IReadOnlyList<TargetGroup>>? Changed;

    /// <summary>The groups of the last refresh.</summary>
    public IReadOnlyList<TargetGroup> Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>Reads the files now, then starts watching them.</summary>
    public void Start()
    {
        Refresh(raise: false);
        foreach (string dir in _config.Files.Select(f => Path.GetDirectoryName(f) ?? ".").Distinct(StringComparer.Ordinal))
        {
            try
            {
                var w = new FileSystemWatcher(dir) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
                w.Changed += OnFileEvent;
                w.Created += OnFileEvent;
                w.Deleted += OnFileEvent;
                w.Renamed += OnFileEvent;
                w.EnableRaisingEvents = true;
                _watchers.Add(w);
            }
            catch (Exception e) when (e is ArgumentException or IOException or PlatformNotSupportedException)
            {
                _logger.LogWarning("Cannot watch {Directory} for file_sd changes ({Error}); re-reading every {Interval}",
                    dir, e.Message, PrometheusDuration.Format(_config.RefreshInterval));
            }
        }
        _debounceTimer = new Timer(_ => Refresh(raise: true), null, Timeout.Infinite, Timeout.Infinite);
        _refreshTimer = new Timer(_ => Refresh(raise: true), null, _config.RefreshInterval, _config.RefreshInterval);
    }

    /// <summary>Re-reads every matching file; raises <see cref="Changed"/> when <paramref name="raise"/> and something changed.</summary>
    public void Refresh(bool raise)
    {
        List<TargetGroup>? changed = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            bool any = false;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string file in ExpandPatterns(_config.Files))
            {
                seen.Add(file);
                DateTime modified;
                long length;
                try
                {
                    var info = new FileInfo(file);
                    modified = info.LastWriteTimeUtc;
                    length = info.Length;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                if (_files.TryGetValue(file, out var known) && known.Modified == modified && known.Length == length && !_failing.Contains(file))
                {
                    continue;
                }
                try
                {
                    var groups = _read(file);
                    _files[file] = (modified, length, groups);
                    any = true;
                    if (_failing.Remove(file))
                    {
                        _logger.LogInformation("file_sd: {File} reads again", file);
                    }
                }
                catch (ConfigException e)
                {
                    if (_failing.Add(file) || !_files.ContainsKey(file))
                    {
                        _logger.LogError("file_sd: cannot use {File}, keeping its previous targets: {Error}", file, e.Message);
                        _onReadError(file);
                    }
                    if (!_files.ContainsKey(file))
                    {
                        _files[file] = (modified, length, new List<TargetGroup>());
                    }
                }
            }
            foreach (string gone in _files.Keys.Where(f => !seen.Contains(f)).ToList())
            {
                _files.Remove(gone);
                _failing.Remove(gone);
                any = true;
            }
            if (any)
            {
                _current = _files.OrderBy(f => f.Key, StringComparer.Ordinal).SelectMany(f => f.Value.Groups).ToList();
                changed = _current;
            }
        }
        if (raise && changed is not null)
        {
            Changed?.Invoke(changed);
        }
    }

    /// <summary>Files matching the patterns (a <c>*</c> or <c>?</c> only in the file name), sorted.</summary>
    internal static List<string> ExpandPatterns(IEnumerable<string> patterns)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string pattern in patterns)
        {
            string dir = Path.GetDirectoryName(pattern) ?? ".";
            string name = Path.GetFileName(pattern);
            if (name.AsSpan().IndexOfAny('*', '?') < 0)
            {
                if (File.Exists(pattern))
                {
                    result.Add(pattern);
                }
                continue;
            }
            if (!Directory.Exists(dir))
            {
                continue;
            }
            try
            {
                foreach (string f in Directory.EnumerateFiles(dir))
                {
                    if (FileSystemName.MatchesSimpleExpression(name, Path.GetFileName(f), ignoreCase: false))
                    {
                        result.Add(f);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The directory went away or is unreadable; it holds no targets now.
            }
        }
        return result.ToList();
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _debounceTimer?.Change(Debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        foreach (var w in _watchers)
        {
            w.Dispose();
        }
        _debounceTimer?.Dispose();
        _refreshTimer?.Dispose();
    }
}
