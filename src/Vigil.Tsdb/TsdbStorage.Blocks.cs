using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;
using Vigil.Tsdb.Compaction;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb;

public sealed partial class TsdbStorage
{
    private readonly object _blocksLock = new();
    private readonly SemaphoreSlim _maintenanceLock = new(1, 1);
    private Block[] _blocks = [];
    private CancellationTokenSource? _maintenanceStop;
    private Task? _maintenanceTask;
    private Compactor? _compactor;
    private BlockWriter? _blockWriter;
    private long _compactions;
    private long _compactionFailures;
    private long _headCompactions;
    private long _retentionDeletions;
    private long _lastMaintenanceError;
    private long _headPersistedTo = long.MinValue;

    /// <summary>A fault-injection seam for tests: called with the range just before the head writes it as a block.</summary>
    internal Action<long, long>? BeforeHeadBlockWrite { get; set; }

    /// <summary>The blocks currently serving queries, oldest first.</summary>
    public IReadOnlyList<Block> Blocks
    {
        get
        {
            lock (_blocksLock)
            {
                return _blocks;
            }
        }
    }

    /// <summary>Block compactions completed.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

    /// <summary>Block compactions that failed (the source blocks stay in place).</summary>
    public long CompactionFailures => Interlocked.Read(ref _compactionFailures);

    /// <summary>Head ranges written out as blocks.</summary>
    public long HeadCompactions => Interlocked.Read(ref _headCompactions);

    /// <summary>Blocks deleted by retention.</summary>
    public long RetentionDeletions => Interlocked.Read(ref _retentionDeletions);

    /// <summary>Total bytes of blocks on disk.</summary>
    public long BlockBytes => Blocks.Sum(b => b.SizeBytes);

    /// <inheritdoc />
    public long StartTime
    {
        get
        {
            var blocks = Blocks;
            return blocks.Count > 0 ? Math.Min(blocks[0].Meta.MinTime, Head.MinTime) : Head.MinTime;
        }
    }

    private void OpenBlocks()
    {
        _blockWriter = new BlockWriter(_log);
        _compactor = new Compactor(_log, _blockWriter);
        var blocks = Options.ReadOnly ? OpenBlocksReadOnly() : BlockDirectory.OpenBlocks(Options.DataDir, _log);
        _blocks = [.. blocks.OrderBy(b => b.Meta.MinTime)];
        FindQuarantinedBlocks();
        if (_blocks.Length > 0)
        {
            // Samples before the newest block's end are persisted; the head must not take or replay them. A block
            // that ends in the future (written before future timestamps were refused) must not close the head to every
            // current sample: it keeps serving but does not count here.
            long maxValid = Head.MaxValidTime;
            foreach (var b in _blocks.Where(b => b.Meta.MaxTime > maxValid))
            {
                _log.LogWarning("{Block} ends after the clock plus the future margin; it is served, but the head keeps taking current samples", b);
            }
            var past = _blocks.Where(b => b.Meta.MaxTime <= maxValid).ToList();
            if (past.Count > 0)
            {
                Head.MinValidTime = past.Max(b => b.Meta.MaxTime);
                _headPersistedTo = Head.MinValidTime;
            }
        }
    }

    private List<Block> OpenBlocksReadOnly()
    {
        // Note: a reader never moves or deletes anything; a block it cannot open is reported and skipped.
        var result = new List<Block>();
        foreach (var dir in BlockDirectory.ListBlockDirs(Options.DataDir))
        {
            try
            {
                // Note: chunks are not verified up front: a reader reads few of them, and each read checks its CRC.
                result.Add(Block.Open(dir));
            }
            catch (Exception e) when (e is BlockCorruptedException or IOException or UnauthorizedAccessException)
            {
                _log.LogError("skipping block {Dir}: {Error}", dir, e.Message);
                AddMissing(MissingBlock.FromDirectory(dir, $"could not be read ({e.Message})"));
            }
        }
        // Hide blocks that are parents of another present block (a compaction not yet cleaned up).
        var parents = result.SelectMany(b => b.Meta.Compaction.Parents.Select(p => p.Ulid)).ToHashSet();
        foreach (var b in result.Where(b => parents.Contains(b.Meta.Ulid)).ToList())
        {
            b.Dispose();
            result.Remove(b);
        }
        return result;
    }

    private void CloseBlocks()
    {
        lock (_blocksLock)
        {
            foreach (var b in _blocks)
            {
                b.Dispose();
            }
            _blocks = [];
        }
    }

    /// <inheritdoc />
    public IQuerier Querier(long mint, long maxt)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var queriers = new List<IQuerier>();
        try
        {
            // Note: block queriers are created under the lock that swaps the block list, so a block removed by
            // compaction or retention is either not seen or pinned until this querier is disposed.
            lock (_blocksLock)
            {
                foreach (var b in _blocks)
                {
                    if (b.Meta.Overlaps(mint, maxt))
                    {
                        queriers.Add(b.Querier(mint, maxt));
                    }
                }
            }
            if (Head.MaxTime >= mint || queriers.Count == 0)
            {
                queriers.Insert(0, Head.Querier(mint, maxt));
            }
        }
        catch
        {
            foreach (var q in queriers)
            {
                q.Dispose();
            }
            throw;
        }
        var querier = queriers.Count == 1 ? queriers[0] : new MergeQuerier(queriers);
        return MissingWarnings(mint, maxt) is { } warnings ? new WarningQuerier(querier, warnings) : querier;
    }

    private void StartMaintenance()
    {
        if (Options.ReadOnly || Options.DisableBackgroundMaintenance)
        {
            return;
        }
        _maintenanceStop = new CancellationTokenSource();
        var token = _maintenanceStop.Token;
        _maintenanceTask = Task.Run(async () =>
        {
            try
            {
                await VerifyBlocksAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogError(e, "verifying the blocks' chunks failed: {Error}", e.Message);
            }
            using var timer = new PeriodicTimer(Options.MaintenanceInterval);
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                try
                {
                    await MaintainAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // Note: maintenance problems never take the database down; they are logged and retried next tick.
                    Interlocked.Increment(ref _lastMaintenanceError);
                    _log.LogError(e, "TSDB maintenance failed: {Error}", e.Message);
                }
            }
        }, token);
    }

    private void StopMaintenance()
    {
        if (_maintenanceStop is null)
        {
            return;
        }
        _maintenanceStop.Cancel();
        try
        {
            _maintenanceTask?.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
        }
        _maintenanceStop.Dispose();
    }

    /// <summary>
    /// Runs one maintenance pass: writes head ranges older than 1.5 block ranges into blocks, compacts blocks,
    /// truncates the head and the WAL, and applies retention. The background loop calls this every
    /// <see cref="TsdbOptions.MaintenanceInterval"/>; tests call it directly.
    /// </summary>
    public async Task MaintainAsync(CancellationToken cancellationToken = default)
    {
        if (Options.ReadOnly)
        {
            return;
        }
        await _maintenanceLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await QuarantineDamagedBlocksAsync().ConfigureAwait(false);
            CompactHead(force: false, cancellationToken);
            await CompactBlocksAsync(cancellationToken).ConfigureAwait(false);
            await ApplyRetentionAsync().ConfigureAwait(false);
        }
        finally
        {
            _maintenanceLock.Release();
        }
    }

    /// <summary>Writes every complete block range of the head to disk now (also the newest, when <paramref name="all"/>), e.g. after an import.</summary>
    public async Task FlushHeadAsync(bool all, CancellationToken cancellationToken = default)
    {
        await _maintenanceLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            CompactHead(force: all, cancellationToken);
        }
        finally
        {
            _maintenanceLock.Release();
        }
    }

    private void CompactHead(bool force, CancellationToken ct)
    {
        long range = Options.BlockRange;
        while (true)
        {
            long hmin = Head.MinTime, hmax = Head.MaxTime;
            if (hmin == long.MaxValue || hmax == long.MinValue || hmin > hmax)
            {
                return;
            }
            // Prometheus's rule: the head is compactable once it spans more than 1.5 block ranges.
            if (!force && hmax - hmin <= range * 3 / 2)
            {
                return;
            }
            // Note: from the end of what was really persisted, not from MinValidTime: a block write that failed (disk
            // full) has raised MinValidTime already, and its range must be written again, not skipped and truncated away.
            long mint = FloorDiv(Math.Max(hmin, _headPersistedTo), range) * range;
            long maxt = mint + range;
            if (!force && maxt > hmax)
            {
                return;
            }
            // Note: never persist a range that has not ended by the wall clock: persisting closes it to appends, so one
            // sample from the future would otherwise make the head refuse every current sample as too old.
            if (!force && maxt > NowMs())
            {
                return;
            }
            var sw = Stopwatch.StartNew();
            // Refuse appends into the range being persisted from now on, so nothing lands in the head after the
            // block is cut and is then truncated away.
            Head.MinValidTime = Math.Max(Head.MinValidTime, maxt);
            BeforeHeadBlockWrite?.Invoke(mint, maxt);
            var meta = _blockWriter!.Write(Options.DataDir, Head.SeriesForBlock(mint, maxt), mint, maxt, cancellationToken: ct);
            if (meta.Stats.NumSamples > 0)
            {
                var block = Block.Open(Path.Combine(Options.DataDir, meta.Ulid.ToString()));
                lock (_blocksLock)
                {
                    _blocks = [.. _blocks.Append(block).OrderBy(b => b.Meta.MinTime)];
                }
            }
            else
            {
                BlockDirectory.Delete(Path.Combine(Options.DataDir, meta.Ulid.ToString()), _log);
            }
            Head.Truncate(maxt);
            _headPersistedTo = maxt;
            Interlocked.Increment(ref _headCompactions);
            _log.LogInformation("head range [{Min}, {Max}) written as block {Ulid}: {Series} series, {Samples} samples in {Ms} ms",
                mint, maxt, meta.Ulid, meta.Stats.NumSeries, meta.Stats.NumSamples, (long)sw.Elapsed.TotalMilliseconds);
            TruncateWal(maxt);
        }
    }

    private void TruncateWal(long minTime)
    {
        if (_wal is null)
        {
            return;
        }
        // Note: start a fresh segment so every sample older than minTime lies in segments the checkpoint can drop.
        int last = _wal.NextSegment() - 1;
        var segments = SegmentFiles.List(WalDir);
        last = WriteLog.TruncationLimit(last, segments);
        if (segments.Count == 0 || last < segments[0])
        {
            return;
        }
        try
        {
            _wal.CreateCheckpoint(segments[0], last, r => Head.ByRef(r) is not null, minTime);
            _wal.Truncate(last + 1);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // Note: a failed checkpoint leaves the WAL longer, never shorter: nothing is lost, replay just takes longer.
            _log.LogError("WAL checkpoint failed: {Error}", e.Message);
        }
    }

    private async Task CompactBlocksAsync(CancellationToken ct)
    {
        var ranges = Compactor.ExponentialRanges(Options.BlockRange, 10, 3);
        while (true)
        {
            Block[] current;
            lock (_blocksLock)
            {
                current = _blocks;
            }
            var plan = Compactor.Plan(current.Select(b => b.Meta).ToList(), ranges);
            if (plan.Count == 0)
            {
                return;
            }
            var sources = current.Where(b => plan.Any(p => p.Ulid == b.Meta.Ulid)).ToList();
            BlockMeta meta;
            try
            {
                meta = _compactor!.Compact(Options.DataDir, sources, ct);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or BlockCorruptedException)
            {
                Interlocked.Increment(ref _compactionFailures);
                _log.LogError("compaction of {Count} blocks failed, keeping them: {Error}", sources.Count, e.Message);
                if (e is BlockCorruptedException damage)
                {
                    // Note: a damaged source is moved aside at the next pass, so compaction does not fail on it forever.
                    foreach (var s in sources.Where(s => damage.FilePath.StartsWith(s.Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                    {
                        s.ReportDamage(damage);
                    }
                }
                return;
            }
            var block = Block.Open(Path.Combine(Options.DataDir, meta.Ulid.ToString()));
            lock (_blocksLock)
            {
                _blocks = [.. _blocks.Where(b => !sources.Contains(b)).Append(block).OrderBy(b => b.Meta.MinTime)];
            }
            Interlocked.Increment(ref _compactions);
            foreach (var s in sources)
            {
                await _compactor.DeleteAsync(s).ConfigureAwait(false);
            }
        }
    }

    private async Task ApplyRetentionAsync()
    {
        var doomed = new List<Block>();
        lock (_blocksLock)
        {
            if (_blocks.Length == 0)
            {
                return;
            }
            if (Options.Retention > TimeSpan.Zero)
            {
                // Note: counted back from the wall clock, never from the newest sample: a sample from the far future
                // (a timestamp in the wrong unit) must not make every real block look expired.
                long cutoff = NowMs() - (long)Math.Min(Options.Retention.TotalMilliseconds, long.MaxValue / 2);
                doomed.AddRange(_blocks.Where(b => b.Meta.MaxTime <= cutoff));
            }
            if (Options.RetentionBytes > 0)
            {
                long total = _blocks.Sum(b => b.SizeBytes);
                foreach (var b in _blocks)
                {
                    if (total <= Options.RetentionBytes)
                    {
                        break;
                    }
                    if (!doomed.Contains(b))
                    {
                        doomed.Add(b);
                    }
                    total -= b.SizeBytes;
                }
            }
            if (doomed.Count == 0)
            {
                return;
            }
            _blocks = [.. _blocks.Where(b => !doomed.Contains(b))];
        }
        foreach (var b in doomed)
        {
            _log.LogInformation("retention: deleting {Block}", b);
            await _compactor!.DeleteAsync(b).ConfigureAwait(false);
            Interlocked.Increment(ref _retentionDeletions);
        }
    }

    private long NowMs() => Options.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;
}
