using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Storage;

namespace Vigil.Tsdb;

/// <summary>
/// The embedded time-series database: a head of recent data in memory, made durable by a write-ahead log, cut
/// every block range into immutable on-disk blocks that are compacted and expired by retention.
/// </summary>
/// <remarks>
/// Thread-safe. One process may open a data directory for writing (a lock file enforces it); any number may open it
/// <see cref="TsdbOptions.ReadOnly"/>. Dispose flushes and closes the WAL.
/// </remarks>
public sealed partial class TsdbStorage : IStorage, IDisposable
{
    private readonly ILogger _log;
    private readonly DirectoryLock? _lock;
    private readonly TsdbMetrics _metrics;
    private int _disposed;

    private TsdbStorage(TsdbOptions options, ILogger log)
    {
        Options = options;
        _log = log;
        Directory.CreateDirectory(options.DataDir);
        if (!options.ReadOnly)
        {
            _lock = DirectoryLock.Acquire(options.DataDir);
        }
        Head = new Head.Head(options.BlockRange);
        _metrics = new TsdbMetrics(this);
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

    /// <inheritdoc />
    public long StartTime => Head.MinTime;

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
    public IQuerier Querier(long mint, long maxt)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Head.Querier(mint, maxt);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _metrics.Dispose();
        _lock?.Dispose();
        _log.LogInformation("TSDB closed: {Dir}", Options.DataDir);
    }
}
