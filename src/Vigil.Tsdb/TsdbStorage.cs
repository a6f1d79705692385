using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Storage;
using Vigil.Tsdb.Head;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb;

/// <summary>
/// The embedded time-series database: a head of recent data in memory, made durable by a write-ahead log, cut
/// every block range into immutable on-disk blocks that are compacted and expired by retention.
/// </summary>
/// <remarks>
/// Thread-safe. One process may open a data directory for writing (a lock file enforces it); any number may open it
/// <see cref="TsdbOptions.ReadOnly"/> (they replay the WAL into a private head and never write). Dispose flushes and
/// closes the WAL.
/// </remarks>
public sealed partial class TsdbStorage : IStorage, IDisposable
{
    private readonly ILogger _log;
    private readonly DirectoryLock? _lock;
    private readonly TsdbMetrics _metrics;
    private readonly WriteAheadLog? _wal;
    private int _disposed;

    private TsdbStorage(TsdbOptions options, ILogger log)
    {
        Options = options;
        _log = log;
        if (options.ReadOnly)
        {
            if (!Directory.Exists(options.DataDir))
            {
                throw new StorageException($"data directory {Path.GetFullPath(options.DataDir)} does not exist");
            }
        }
        else
        {
            Directory.CreateDirectory(options.DataDir);
            _lock = DirectoryLock.Acquire(options.DataDir);
        }
        try
        {
            if (options.MaxFutureTimestamp < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.MaxFutureTimestamp, "the maximum future timestamp margin must not be negative");
            }
            Head = new Head.Head(options.BlockRange)
            {
                MaxFutureMs = options.MaxFutureTimestamp >= TimeSpan.FromDays(365 * 1000) ? long.MaxValue : (long)options.MaxFutureTimestamp.TotalMilliseconds,
                Clock = options.Clock,
            };
            OpenBlocks();
            if (!options.ReadOnly)
            {
                _wal = WriteAheadLog.Open(
                    new WalOptions
                    {
                        Directory = WalDir,
                        Sync = options.WalSync,
                        SyncInterval = options.WalSyncInterval,
                        SegmentSize = options.WalSegmentSize,
                    },
                    line => _log.LogWarning("{Message}", line));
            }
            ReplayWal();
            if (_wal is not null)
            {
                Head.Log = new WalHeadLog(_wal);
                _writeLog = new WalWriteLog(_wal, _log);
            }
            _metrics = new TsdbMetrics(this);
            StartMaintenance();
        }
        catch
        {
            _wal?.Dispose();
            _lock?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the exclusive lock of a data directory without opening the database (for tools that write blocks into it,
    /// such as an import); throws <see cref="StorageException"/> naming the owner when a server holds it.
    /// </summary>
    public static IDisposable LockDataDir(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        return DirectoryLock.Acquire(dataDir);
    }

    /// <summary>Opens (creating if needed) the database in <see cref="TsdbOptions.DataDir"/>.</summary>
    public static TsdbStorage Open(TsdbOptions options, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new TsdbStorage(options, log ?? NullLogger.Instance);
    }

    /// <summary>The options this instance was opened with.</summary>
    public TsdbOptions Options { get; }

    /// <summary>The in-memory head.</summary>
    public Head.Head Head { get; }

    /// <summary>The write-ahead log (null when read-only).</summary>
    public WriteAheadLog? Wal => _wal;

    private string WalDir => Path.Combine(Options.DataDir, "wal");

    /// <summary>Statistics of the last WAL replay.</summary>
    public ReplayStats LastReplay { get; private set; } = new(0, 0, 0, 0, TimeSpan.Zero, null);

    /// <inheritdoc />
    public IAppender Appender()
    {
        if (Options.ReadOnly)
        {
            throw new StorageException(AppendError.Closed, $"data directory {Options.DataDir} is open read-only");
        }
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Head.Appender();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        StopMaintenance();
        _metrics.Dispose();
        _wal?.Dispose();
        CloseBlocks();
        _lock?.Dispose();
        _log.LogInformation("TSDB closed: {Dir}", Options.DataDir);
    }
}

/// <summary>What a WAL replay found.</summary>
/// <param name="Records">Records read.</param>
/// <param name="Series">Series records applied.</param>
/// <param name="Samples">Samples applied to the head.</param>
/// <param name="UnknownSeriesSamples">Samples whose series record was missing (dropped, counted).</param>
/// <param name="Duration">Replay time.</param>
/// <param name="Corruption">The corruption that ended replay early (then repaired), or null.</param>
public sealed record ReplayStats(long Records, long Series, long Samples, long UnknownSeriesSamples, TimeSpan Duration, string? Corruption);
