using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Vigil.Core.Config;
using Vigil.Core.Model;
using Vigil.Rules;

namespace Vigil.Server.Config;

/// <summary>
/// Reloads the configuration file (the seeds' dynamic configuration manager): on request (<c>POST /-/reload</c>, SIGHUP)
/// and when the file or a rule file it names changes. Reloads run one at a time; a file that does not load, or a rule
/// set that does not, leaves the running configuration in force and is reported in the log and in
/// <c>vigil_config_last_reload_successful</c> (meter <c>Vigil.Server.Config</c>).
/// </summary>
/// <remarks>
/// Changes are noticed by file-system notifications on the directories of the file and of the rule file patterns,
/// debounced, and by a periodic check as a fallback (notifications can be lost, and watches are a limited resource).
/// Either way the decision is a checksum over the file and every rule file the patterns match, so touching a file
/// without changing it, or saving the same bad file again, does not reload. Thread-safe.
/// </remarks>
internal sealed class ConfigReloader : IAsyncDisposable
{
    private readonly string _path;
    private readonly Func<VigilConfig, CancellationToken, Task> _apply;
    private readonly Func<RuleManagerOptions?> _rules;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _checkInterval;
    private readonly TimeSpan _debounce;
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly SemaphoreSlim _changed = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Meter _meter;
    private readonly List<FileSystemWatcher> _watchers = new();
    private readonly object _stateLock = new();
    private Task? _watchLoop;
    private string _checksum;
    private bool _lastSuccessful = true;
    private DateTimeOffset _lastSuccess;
    private string? _lastError;

    /// <param name="path">The configuration file.</param>
    /// <param name="apply">Puts a loaded configuration in force; throws (and keeps the running one) when it cannot.</param>
    /// <param name="rules">The rule options in force (their patterns are part of what is watched).</param>
    /// <param name="logger">Logs reloads and their errors.</param>
    /// <param name="clock">The clock for timestamps.</param>
    /// <param name="checkInterval">How often to compare checksums without a notification.</param>
    /// <param name="debounce">Quiet time after a notification before the checksum is compared.</param>
    public ConfigReloader(string path, Func<VigilConfig, CancellationToken, Task> apply, Func<RuleManagerOptions?> rules, ILogger logger, TimeProvider clock,
        TimeSpan checkInterval, TimeSpan debounce)
    {
        _path = Path.GetFullPath(path);
        _apply = apply;
        _rules = rules;
        _logger = logger;
        _clock = clock;
        _checkInterval = checkInterval > TimeSpan.Zero ? checkInterval : TimeSpan.FromSeconds(10);
        _debounce = debounce >= TimeSpan.Zero ? debounce : TimeSpan.Zero;
        _lastSuccess = clock.GetUtcNow();
        _checksum = Checksum();
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("vigil.config.last_reload_successful", () => LastReloadSuccessful ? 1 : 0, null,
            "Whether the last configuration reload attempt was successful (1) or the running configuration stayed because the new one is invalid (0).");
        _meter.CreateObservableGauge("vigil.config.last_reload_success_timestamp", () => LastSuccess.ToUnixTimeMilliseconds() / 1000.0, "s",
            "When the configuration was last loaded successfully (Unix seconds).");
    }

    /// <summary>The meter name.</summary>
    public const string MeterName = "Vigil.Server.Config";

    /// <summary>Whether the last reload attempt succeeded (true before any).</summary>
    public bool LastReloadSuccessful
    {
        get
        {
            lock (_stateLock)
            {
                return _lastSuccessful;
            }
        }
    }

    /// <summary>When the configuration was last loaded successfully (start-up counts).</summary>
    public DateTimeOffset LastSuccess
    {
        get
        {
            lock (_stateLock)
            {
                return _lastSuccess;
            }
        }
    }

    /// <summary>The error of the last reload attempt, or null when it succeeded.</summary>
    public string? LastError
    {
        get
        {
            lock (_stateLock)
            {
                return _lastError;
            }
        }
    }

    /// <summary>Starts watching the file and the rule files.</summary>
    public void StartWatching()
    {
        WatchDirectories();
        _watchLoop = Task.Run(() => WatchLoopAsync(_stop.Token));
    }

    /// <summary>
    /// Loads the file and puts it in force; waits for a reload already running. Returns null on success, else the error
    /// (the running configuration stays).
    /// </summary>
    public async Task<string?> ReloadAsync(string trigger, CancellationToken ct)
    {
        await _reloadLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Note: the checksum is taken before loading, so an edit made while loading is noticed by the next check.
            string checksum = Checksum();
            string? error = null;
            try
            {
                var config = VigilConfig.Load(_path);
                await _apply(config, ct).ConfigureAwait(false);
            }
            catch (ConfigException e)
            {
                error = string.Join('\n', e.Errors);
            }
            catch (RuleLoadException e)
            {
                error = e.Message;
            }
            catch (ArgumentException e)
            {
                error = e.Message;
            }
            lock (_stateLock)
            {
                _checksum = checksum;
                _lastSuccessful = error is null;
                _lastError = error;
                if (error is null)
                {
                    _lastSuccess = _clock.GetUtcNow();
                }
            }
            if (error is null)
            {
                _logger.LogInformation("Completed loading of configuration file {File} ({Trigger})", _path, trigger);
                WatchDirectories();
            }
            else
            {
                _logger.LogError("Error reloading configuration file {File} ({Trigger}); the running configuration stays:\n{Error}", _path, trigger, error);
            }
            return error;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    private async Task WatchLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _changed.WaitAsync(_checkInterval, ct).ConfigureAwait(false);
                // Debounce: wait until no notification arrived for the whole quiet time (but not forever on a busy directory).
                var until = _clock.GetUtcNow() + (_debounce * 10);
                while (_clock.GetUtcNow() < until && await _changed.WaitAsync(_debounce, ct).ConfigureAwait(false))
                {
                }
                string current = Checksum();
                bool changed;
                lock (_stateLock)
                {
                    changed = current != _checksum;
                }
                if (changed)
                {
                    await ReloadAsync("file changed", ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                _logger.LogError("Watching configuration file {File} failed: {Error}", _path, e.Message);
            }
        }
    }

    /// <summary>SHA-256 over the configuration file and every rule file its patterns match (names and contents).</summary>
    private string Checksum()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Add(hash, _path);
        if (_rules() is { } rules)
        {
            var errors = new List<RuleFileError>();
            foreach (string file in RuleLoader.ExpandGlobs(rules.RuleFiles, rules.BaseDirectory, errors))
            {
                Add(hash, file);
            }
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static void Add(IncrementalHash hash, string file)
    {
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(file + "\0"));
        try
        {
            hash.AppendData(File.ReadAllBytes(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            hash.AppendData("\0missing\0"u8);
        }
    }

    /// <summary>
    /// Watches the directories of the file, of the rule files and of the rule patterns (up to the first wildcard), not
    /// their subdirectories (a data directory next to the file would otherwise keep the watch busy).
    /// </summary>
    private void WatchDirectories()
    {
        var dirs = new HashSet<string>(StringComparer.Ordinal) { Path.GetDirectoryName(_path)! };
        if (_rules() is { } rules)
        {
            foreach (string file in RuleLoader.ExpandGlobs(rules.RuleFiles, rules.BaseDirectory, new List<RuleFileError>()))
            {
                dirs.Add(Path.GetDirectoryName(Path.GetFullPath(file))!);
            }
            foreach (string pattern in rules.RuleFiles)
            {
                string full = Path.IsPathRooted(pattern) || rules.BaseDirectory is null ? Path.GetFullPath(pattern) : Path.GetFullPath(Path.Combine(rules.BaseDirectory, pattern));
                int wildcard = full.IndexOfAny(['*', '?', '[']);
                string fixedPart = wildcard < 0 ? full : full[..wildcard];
                string? dir = Path.GetDirectoryName(fixedPart.EndsWith('/') ? fixedPart + "x" : fixedPart);
                if (dir is not null && Directory.Exists(dir))
                {
                    dirs.Add(dir);
                }
            }
        }
        lock (_watchers)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            var existing = _watchers.Select(w => w.Path).ToHashSet(StringComparer.Ordinal);
            foreach (string dir in dirs.Where(d => !existing.Contains(d)))
            {
                try
                {
                    var w = new FileSystemWatcher(dir) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName };
                    w.Changed += OnChange;
                    w.Created += OnChange;
                    w.Deleted += OnChange;
                    w.Renamed += OnChange;
                    w.EnableRaisingEvents = true;
                    _watchers.Add(w);
                }
                catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
                {
                    // Note: inotify instances are limited per user; the periodic check still notices changes.
                    _logger.LogWarning("Cannot watch {Directory} for configuration changes ({Error}); checking every {Interval} instead",
                        dir, e.Message, PrometheusDuration.Format(_checkInterval));
                }
            }
        }
    }

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        try
        {
            _changed.Release();
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        lock (_watchers)
        {
            foreach (var w in _watchers)
            {
                w.Dispose();
            }
            _watchers.Clear();
        }
        if (_watchLoop is not null)
        {
            await _watchLoop.ConfigureAwait(false);
        }
        await _reloadLock.WaitAsync().ConfigureAwait(false);
        _meter.Dispose();
        _stop.Dispose();
        _reloadLock.Dispose();
        _changed.Dispose();
    }
}
