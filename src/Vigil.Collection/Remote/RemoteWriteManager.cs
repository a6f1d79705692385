using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Remote;

/// <summary>
/// Runs one WAL watcher and queue per <c>remote_write</c> entry (Prometheus <c>storage/remote.WriteStorage</c>); a
/// configuration reload keeps the remotes whose settings did not change and restarts the others.
/// </summary>
/// <remarks>
/// Thread-safe for <see cref="ApplyAsync"/> and <see cref="DisposeAsync"/> called one at a time. Each remote keeps its
/// WAL position in <c>&lt;data&gt;/remote/&lt;name&gt;/position.json</c>.
/// </remarks>
public sealed class RemoteWriteManager : IAsyncDisposable
{
    private static readonly TimeSpan FlushDeadline = TimeSpan.FromSeconds(10);

    private readonly IWriteLog _wal;
    private readonly string _stateDirectory;
    private readonly ILoggerFactory _loggers;
    private readonly Func<IReadOnlyList<RemoteMetadata>>? _metadata;
    private readonly RemoteStorageInstruments _instruments = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, Running> _running = new(StringComparer.Ordinal);

    /// <summary>Creates a manager over the storage's WAL; remotes keep their positions under <paramref name="dataDirectory"/>/remote.</summary>
    public RemoteWriteManager(IWriteLog wal, string dataDirectory, ILoggerFactory loggers)
        : this(wal, dataDirectory, loggers, null)
    {
    }

    internal RemoteWriteManager(IWriteLog wal, string dataDirectory, ILoggerFactory loggers, Func<IReadOnlyList<RemoteMetadata>>? metadata)
    {
        _wal = wal;
        _stateDirectory = Path.Combine(dataDirectory, "remote");
        _loggers = loggers;
        _metadata = metadata;
    }

    /// <summary>The names of the remotes running now.</summary>
    public IReadOnlyCollection<string> Remotes => _running.Keys;

    /// <summary>Starts, keeps or stops remotes so that exactly <paramref name="remotes"/> run, with <paramref name="externalLabels"/> on every series sent.</summary>
    /// <exception cref="ArgumentException">Two remotes have the same name.</exception>
    public async Task ApplyAsync(IReadOnlyList<RemoteWriteOptions> remotes, LabelSet externalLabels, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(remotes);
        ArgumentNullException.ThrowIfNull(externalLabels);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var next = new Dictionary<string, Running>(StringComparer.Ordinal);
            var wanted = new Dictionary<string, RemoteWriteOptions>(StringComparer.Ordinal);
            foreach (var r in remotes)
            {
                if (!wanted.TryAdd(r.EffectiveName, r))
                {
                    throw new ArgumentException($"duplicate remote write configs are not allowed, found duplicate for name \"{r.EffectiveName}\"", nameof(remotes));
                }
            }
            foreach (var (name, running) in _running)
            {
                if (wanted.TryGetValue(name, out var options) && Same(options, running.Options) && running.ExternalLabels == externalLabels)
                {
                    next[name] = running;
                    wanted.Remove(name);
                }
                else
                {
                    await running.StopAsync(FlushDeadline).ConfigureAwait(false);
                }
            }
            foreach (var (name, options) in wanted)
            {
                next[name] = Start(options, externalLabels);
            }
            _running = next;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops every remote: each gets a few seconds to send what is waiting, then saves its position.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running.Values.Select(r => r.StopAsync(FlushDeadline))).ConfigureAwait(false);
            _running.Clear();
            _instruments.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    private Running Start(RemoteWriteOptions options, LabelSet externalLabels)
    {
        var log = _loggers.CreateLogger("Vigil.RemoteWrite");
        var queue = new QueueManager(options, _instruments, log, _metadata);
        string directory = Path.Combine(_stateDirectory, SafeName(options.EffectiveName));
        var watcher = new WalWatcher(_wal, queue, _instruments, externalLabels, directory, log);
        var stop = new CancellationTokenSource();
        queue.Start();
        var task = Task.Run(() => watcher.RunAsync(stop.Token));
        log.LogInformation("Remote-write {Remote}: sending to {Url}", options.EffectiveName, options.Url);
        return new Running(options, externalLabels, queue, watcher, stop, task);
    }

    private static string SafeName(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] is not ('-' or '_' or '.'))
            {
                chars[i] = '_';
            }
        }
        string safe = new(chars);
        return safe is "." or ".." ? "_" + safe.Length.ToString(CultureInfo.InvariantCulture) : safe;
    }

    private static bool Same(RemoteWriteOptions a, RemoteWriteOptions b)
        => a == b || (a with { WriteRelabelConfigs = [], Headers = b.Headers } == b with { WriteRelabelConfigs = [] }
            && a.Headers.Count == b.Headers.Count && a.Headers.All(h => b.Headers.TryGetValue(h.Key, out var v) && v == h.Value)
            && a.WriteRelabelConfigs.SequenceEqual(b.WriteRelabelConfigs));

    private sealed record Running(RemoteWriteOptions Options, LabelSet ExternalLabels, QueueManager Queue, WalWatcher Watcher, CancellationTokenSource Stop, Task Task)
    {
        public async Task StopAsync(TimeSpan grace)
        {
            // Note: stop reading first, then let the shards send what they hold, then save the position they reached.
            await Stop.CancelAsync().ConfigureAwait(false);
            await Task.ConfigureAwait(false);
            await Queue.StopShardsAsync(grace).ConfigureAwait(false);
            Watcher.Save();
            await Queue.DisposeAsync().ConfigureAwait(false);
            Stop.Dispose();
        }
    }
}
