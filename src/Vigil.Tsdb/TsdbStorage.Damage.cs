using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Blocks;

namespace Vigil.Tsdb;

public sealed partial class TsdbStorage
{
    private readonly object _missingLock = new();
    private MissingBlock[] _missing = [];
    private long _blocksQuarantined;

    /// <summary>Blocks moved aside as corrupted since this instance opened (at open or after a read met damage).</summary>
    public long BlocksQuarantined => Interlocked.Read(ref _blocksQuarantined);

    /// <summary>
    /// Blocks whose data is missing from query results: moved aside as corrupted (<c>*.corrupted</c> directories) or, when
    /// read-only, unreadable. Every query over their time range carries a warning naming them.
    /// </summary>
    public IReadOnlyList<string> MissingBlocks
    {
        get
        {
            lock (_missingLock)
            {
                return [.. _missing.Select(m => m.Describe())];
            }
        }
    }

    /// <summary>
    /// Checks the CRC of every chunk of the blocks that were on disk at start-up and moves damaged blocks aside. The
    /// background loop runs this once right after start-up, so the server starts without reading every block first
    /// (a query meeting damage before then gets an error naming the block); tests call it directly. Returns how many
    /// damaged blocks were found.
    /// </summary>
    public async Task<int> VerifyBlocksAsync(CancellationToken cancellationToken = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var blocks = Blocks;
        int damaged = 0;
        long bytes = 0;
        foreach (var b in blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (b.IsDisposed)
            {
                continue; // compacted or deleted meanwhile
            }
            try
            {
                if (b.VerifyChunks(cancellationToken) is { } e)
                {
                    damaged++;
                    _log.LogError("{Block} failed chunk verification: {Error}", b, e.Message);
                }
                bytes += b.SizeBytes;
            }
            catch (ObjectDisposedException)
            {
                // Note: closed by compaction or retention while we read; nothing to verify anymore.
            }
        }
        if (damaged > 0 && !Options.ReadOnly)
        {
            await _maintenanceLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await QuarantineDamagedBlocksAsync().ConfigureAwait(false);
            }
            finally
            {
                _maintenanceLock.Release();
            }
        }
        _log.LogInformation("verified the chunks of {Count} blocks ({Bytes} bytes) in {Ms} ms: {Damaged} damaged",
            blocks.Count, bytes, (long)sw.Elapsed.TotalMilliseconds, damaged);
        return damaged;
    }

    /// <summary>Records the blocks moved aside earlier, from the <c>*.corrupted</c> directories in the data directory.</summary>
    private void FindQuarantinedBlocks()
    {
        foreach (string dir in BlockDirectory.ListCorruptedDirs(Options.DataDir))
        {
            AddMissing(MissingBlock.FromDirectory(dir, "was moved aside as corrupted"));
        }
    }

    private void AddMissing(MissingBlock block)
    {
        lock (_missingLock)
        {
            _missing = [.. _missing, block];
        }
    }

    /// <summary>Warnings for the missing blocks that overlap [<paramref name="mint"/>, <paramref name="maxt"/>].</summary>
    private List<string>? MissingWarnings(long mint, long maxt)
    {
        MissingBlock[] missing;
        lock (_missingLock)
        {
            missing = _missing;
        }
        List<string>? warnings = null;
        foreach (var m in missing)
        {
            if (m.MinTime <= maxt && m.MaxTime > mint)
            {
                (warnings ??= []).Add(m.Describe());
            }
        }
        return warnings;
    }

    /// <summary>
    /// Moves aside the blocks in which a read found damage (a query or a compaction met a bad chunk): they stop serving,
    /// their directory becomes <c>*.corrupted</c>, and queries over their range warn from now on.
    /// </summary>
    private async Task QuarantineDamagedBlocksAsync()
    {
        List<Block> damaged;
        lock (_blocksLock)
        {
            damaged = [.. _blocks.Where(b => b.Damage is not null)];
            if (damaged.Count == 0)
            {
                return;
            }
            _blocks = [.. _blocks.Where(b => b.Damage is null)];
        }
        foreach (var b in damaged)
        {
            b.Dispose();
            // Note: running queries pin the block; its files stay mapped (and the rename is safe) until they finish.
            await b.Closed.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            string target = BlockDirectory.MoveAside(b.Directory, b.Damage!, _log);
            Interlocked.Increment(ref _blocksQuarantined);
            AddMissing(new MissingBlock(target, b.Meta.MinTime, b.Meta.MaxTime, $"was moved aside as corrupted ({b.Damage!.Message})"));
        }
    }

    /// <summary>A block whose samples queries cannot see, with the reason.</summary>
    private sealed record MissingBlock(string Directory, long MinTime, long MaxTime, string Why)
    {
        public static MissingBlock FromDirectory(string dir, string why)
        {
            try
            {
                var meta = BlockMetaFile.Read(dir);
                return new MissingBlock(dir, meta.MinTime, meta.MaxTime, why);
            }
            catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
            {
                // Note: without a readable meta.json the block's range is unknown, so every query warns.
                return new MissingBlock(dir, long.MinValue, long.MaxValue, why);
            }
        }

        public string Describe() => MinTime == long.MinValue
            ? $"results may be incomplete: block {System.IO.Path.GetFileName(Directory)} {Why}"
            : $"results may be incomplete: block {System.IO.Path.GetFileName(Directory)} [{MinTime}, {MaxTime}) {Why}";
    }

    /// <summary>A querier whose series sets carry warnings about missing blocks.</summary>
    private sealed class WarningQuerier(IQuerier inner, List<string> warnings) : IQuerier
    {
        public long MinTime => inner.MinTime;

        public long MaxTime => inner.MaxTime;

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
            => new WarningSeriesSet(inner.Select(sortSeries, hints, matchers), warnings);

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => inner.LabelValues(name, matchers);

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => inner.LabelNames(matchers);

        public void Dispose() => inner.Dispose();
    }

    private sealed class WarningSeriesSet(ISeriesSet inner, List<string> warnings) : ISeriesSet
    {
        public ISeries Current => inner.Current;

        public Exception? Error => inner.Error;

        public IReadOnlyList<string> Warnings => inner.Warnings.Count == 0 ? warnings : [.. inner.Warnings, .. warnings];

        public bool MoveNext() => inner.MoveNext();
    }
}
