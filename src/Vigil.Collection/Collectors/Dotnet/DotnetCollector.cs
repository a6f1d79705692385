using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;

namespace Vigil.Collection.Collectors.Dotnet;

/// <summary>
/// Reads the <c>System.Runtime</c> meter and chosen application meters of other .NET processes over EventPipe, as
/// <c>dotnet-counters</c> does, without any change to those processes; samples carry <c>process_name</c> and
/// <c>pid</c> labels and are named as Vigil names its own meters (<c>dotnet_gc_collections_total</c>, ...).
/// </summary>
/// <remarks>
/// A background loop looks for matching processes every few seconds, attaches to new ones (a restarted process is
/// attached again under its new pid) and drops sessions whose process exited, so their series go stale. Per attached
/// process <c>dotnet_up{process_name,pid}</c> is 1 while its session delivers and 0 when it broke; a configured name
/// or pid with no process reports <c>dotnet_up{process_name}</c> or <c>dotnet_up{pid}</c> 0. Attach failures are
/// logged at most once a minute per process. Thread-safe; dispose to end the sessions.
/// </remarks>
internal sealed class DotnetCollector : ICollector, IDisposable
{
    private static readonly TimeSpan AttachTimeout = TimeSpan.FromSeconds(10);

    private readonly DotnetCollectorOptions[] _options;
    private readonly TimeSpan _discoveryInterval;
    private readonly string _procRoot;
    private readonly TargetErrorLog _errors;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Dictionary<int, DotnetSession> _sessions = new();
    private readonly Dictionary<int, string> _failed = new();
    private readonly bool[] _entryMatched;
    private readonly CancellationTokenSource _cts = new();
    private readonly SemaphoreSlim _discoveryGate = new(1, 1);
    private Task? _loop;
    private bool _disposed;

    /// <summary>Creates the collector; throws <see cref="ArgumentException"/> naming the entry (<c>collectors.dotnet[i]</c>) when one is invalid.</summary>
    /// <param name="options">The configured processes.</param>
    /// <param name="logger">Where attach failures and session errors are logged.</param>
    /// <param name="discoveryInterval">How often to look for new and restarted processes; 5 s by default.</param>
    /// <param name="procPath">The procfs mount to look for processes in.</param>
    public DotnetCollector(IReadOnlyList<DotnetCollectorOptions> options, ILogger logger, TimeSpan? discoveryInterval = null, string procPath = "/proc")
    {
        for (int i = 0; i < options.Count; i++)
        {
            string? problem = options[i].Validate();
            if (problem is not null)
            {
                throw new ArgumentException($"collectors.dotnet[{i.ToString(CultureInfo.InvariantCulture)}]: {problem}", nameof(options));
            }
        }
        _options = [.. options];
        _entryMatched = new bool[_options.Length];
        _discoveryInterval = discoveryInterval ?? TimeSpan.FromSeconds(5);
        _procRoot = procPath;
        _logger = logger;
        _errors = new TargetErrorLog(logger, "dotnet");
    }

    /// <inheritdoc />
    public string Name => "dotnet";

    /// <summary>True on platforms where processes can be found (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <inheritdoc />
    public void Collect(IAppender appender, long timestampMs)
    {
        EnsureStarted();
        var writer = new SampleWriter(appender, timestampMs);
        lock (_lock)
        {
            foreach (var s in _sessions.Values)
            {
                string pid = s.Pid.ToString(CultureInfo.InvariantCulture);
                writer.Add("dotnet_up", s.Ended ? 0 : 1, "pid", pid, "process_name", s.ProcessName);
                if (!s.Ended)
                {
                    // Note: an ended session's values stop here, so its series go stale without waiting for discovery.
                    s.Write(writer);
                }
                if (s.TakeWarning() is string warning)
                {
                    _errors.Failed("pid " + pid, warning);
                }
            }
            foreach (var (pid, name) in _failed)
            {
                writer.Add("dotnet_up", 0, "pid", pid.ToString(CultureInfo.InvariantCulture), "process_name", name);
            }
            for (int i = 0; i < _options.Length; i++)
            {
                if (_entryMatched[i])
                {
                    continue;
                }
                var o = _options[i];
                if (o.ProcessName is not null)
                {
                    writer.Add("dotnet_up", 0, "process_name", o.ProcessName);
                }
                else
                {
                    writer.Add("dotnet_up", 0, "pid", o.Pid!.Value.ToString(CultureInfo.InvariantCulture));
                }
            }
        }
    }

    /// <summary>Looks for processes now: attaches to new matches and drops ended sessions.</summary>
    internal async Task DiscoverAsync(CancellationToken cancellationToken)
    {
        await _discoveryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await DiscoverCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _discoveryGate.Release();
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
        _cts.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(15));
        }
        catch (AggregateException)
        {
            // the loop only ends by cancellation
        }
        DotnetSession[] sessions;
        lock (_lock)
        {
            sessions = [.. _sessions.Values];
            _sessions.Clear();
        }
        foreach (var s in sessions)
        {
            s.Dispose();
        }
        _cts.Dispose();
    }

    private void EnsureStarted()
    {
        lock (_lock)
        {
            if (_loop is not null || _disposed)
            {
                return;
            }
            var ct = _cts.Token;
            _loop = Task.Run(() => LoopAsync(ct), CancellationToken.None);
        }
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        try
        {
            using var timer = new PeriodicTimer(_discoveryInterval);
            do
            {
                try
                {
                    await DiscoverAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    _errors.Failed("discovery", e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task DiscoverCoreAsync(CancellationToken ct)
    {
        // Which processes should have a session, with the union of the meters every matching entry asks for.
        var wanted = new Dictionary<int, (long Start, string Name, HashSet<string> Meters, TimeSpan Refresh)>();
        var matched = new bool[_options.Length];
        foreach (int pid in ProcessNames.Pids(_procRoot))
        {
            if (!TryIdentify(pid, out long start, out string comm, out string[] names))
            {
                continue;
            }
            for (int i = 0; i < _options.Length; i++)
            {
                var o = _options[i];
                bool match = o.Pid is int p ? p == pid : ProcessNames.Matches(names, o.ProcessName!, comm);
                if (!match || pid == Environment.ProcessId)
                {
                    continue;
                }
                matched[i] = true;
                if (!wanted.TryGetValue(pid, out var w))
                {
                    w = (start, o.ProcessName ?? names[0], new HashSet<string>(StringComparer.Ordinal), o.RefreshInterval);
                }
                w.Meters.UnionWith(o.Meters);
                w.Refresh = w.Refresh < o.RefreshInterval ? w.Refresh : o.RefreshInterval;
                wanted[pid] = w;
            }
        }

        var stale = new List<DotnetSession>();
        var toAttach = new List<int>();
        lock (_lock)
        {
            Array.Copy(matched, _entryMatched, matched.Length);
            foreach (var (pid, s) in _sessions)
            {
                // Note: an ended session of a live process is retried; one of an exited or replaced process is dropped.
                if (!wanted.TryGetValue(pid, out var w) || w.Start != s.StartTicks || s.Ended)
                {
                    stale.Add(s);
                }
            }
            foreach (var s in stale)
            {
                _sessions.Remove(s.Pid);
                if (s.Ended && wanted.ContainsKey(s.Pid))
                {
                    _errors.Failed("pid " + s.Pid.ToString(CultureInfo.InvariantCulture), "EventPipe session ended: " + s.EndReason);
                }
            }
            foreach (int pid in _failed.Keys.ToList())
            {
                if (!wanted.ContainsKey(pid))
                {
                    _failed.Remove(pid);
                }
            }
            foreach (int pid in wanted.Keys)
            {
                if (!_sessions.ContainsKey(pid))
                {
                    toAttach.Add(pid);
                }
            }
        }
        foreach (var s in stale)
        {
            s.Dispose();
        }
        foreach (int pid in toAttach)
        {
            var w = wanted[pid];
            var session = new DotnetSession(pid, w.Start, w.Name, w.Meters, w.Refresh);
            string target = "pid " + pid.ToString(CultureInfo.InvariantCulture);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(AttachTimeout);
                await session.StartAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                session.Dispose();
                lock (_lock)
                {
                    _failed[pid] = w.Name;
                }
                _errors.Failed(target, $"cannot attach to {w.Name} over EventPipe: {e.Message}");
                continue;
            }
            bool keep;
            lock (_lock)
            {
                keep = !_disposed;
                if (keep)
                {
                    _sessions[pid] = session;
                    _failed.Remove(pid);
                }
            }
            if (!keep)
            {
                session.Dispose();
                continue;
            }
            _errors.Succeeded(target);
            _logger.LogInformation("Attached to .NET process {Name} (pid {Pid}) reading meters {Meters}", w.Name, pid, string.Join(", ", session.Meters));
        }
    }

    private bool TryIdentify(int pid, out long startTicks, out string comm, out string[] names)
    {
        startTicks = 0;
        comm = string.Empty;
        names = [];
        string dir = Path.Combine(_procRoot, pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            string stat = File.ReadAllText(Path.Combine(dir, "stat"));
            int open = stat.IndexOf('(', StringComparison.Ordinal);
            int close = stat.LastIndexOf(')');
            if (open < 0 || close < open)
            {
                return false;
            }
            comm = stat[(open + 1)..close];
            string[] f = Procfs.Fields(stat[(close + 1)..]);
            if (f.Length < 20 || !long.TryParse(f[19], NumberStyles.None, CultureInfo.InvariantCulture, out startTicks))
            {
                return false;
            }
            names = ProcessNames.Of(comm, File.ReadAllText(Path.Combine(dir, "cmdline")));
            return names.Length > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // exited meanwhile, or not ours to read
        }
    }
}
