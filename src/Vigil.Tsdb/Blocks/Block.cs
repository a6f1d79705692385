using Vigil.Core.Storage;
using Vigil.Tsdb.Chunks;
using Vigil.Tsdb.Index;

namespace Vigil.Tsdb.Blocks;

/// <summary>An immutable on-disk block opened for reading: its meta.json, index and chunk segments.</summary>
/// <remarks>
/// Files are memory-mapped: lookups in the index and chunk reads are plain memory accesses with no system call and
/// no managed copy of the files, the OS page cache is shared with every other reader, and the block costs little
/// heap beyond the postings offset table. Everything is validated on open (magic numbers, versions, TOC and section
/// CRCs, meta.json); chunk CRCs are checked on every read, and for the whole block by <see cref="VerifyChunks"/>.
/// Thread-safe: any number of queriers may run concurrently. Lifetime is reference-counted: the opener holds one
/// reference, every querier holds one until disposed. <see cref="Dispose"/> drops the opener's reference; the files
/// are unmapped, and <see cref="Closed"/> completes, only once the last querier is disposed, so the DB can delete a
/// block that running queries still read.
/// </remarks>
public sealed class Block : IDisposable
{
    /// <summary>Name of the index file inside a block directory.</summary>
    public const string IndexFileName = "index";

    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _refs = 1;
    private int _disposed;
    private BlockCorruptedException? _damage;

    private Block(string dir, BlockMeta meta, IndexReader index, ChunkSegmentReader chunks, long metaSize)
    {
        Directory = dir;
        Meta = meta;
        IndexReader = index;
        ChunkReader = chunks;
        SizeBytes = index.SizeBytes + chunks.SizeBytes + metaSize;
        Index = new BlockIndex(this);
    }

    /// <summary>
    /// Opens and validates the block in <paramref name="dir"/>. Throws <see cref="BlockCorruptedException"/> naming
    /// the file and offset when a file is missing, truncated or damaged.
    /// </summary>
    public static Block Open(string dir)
    {
        dir = Path.GetFullPath(dir);
        var meta = BlockMetaFile.Read(dir);
        long metaSize = new FileInfo(Path.Combine(dir, BlockMetaFile.FileName)).Length;
        string indexPath = Path.Combine(dir, IndexFileName);
        if (!File.Exists(indexPath))
        {
            throw new BlockCorruptedException(indexPath, null, "index file is missing");
        }
        var index = IndexReader.Open(indexPath);
        ChunkSegmentReader? chunks = null;
        try
        {
            if (index.BaseTime != meta.MinTime)
            {
                throw new BlockCorruptedException(indexPath, null, $"index base time {index.BaseTime} differs from meta.json minTime {meta.MinTime}");
            }
            if (index.SeriesCount != meta.Stats.NumSeries)
            {
                throw new BlockCorruptedException(indexPath, null, $"index holds {index.SeriesCount} series but meta.json says {meta.Stats.NumSeries}");
            }
            chunks = ChunkSegmentReader.Open(Path.Combine(dir, ChunkSegments.DirectoryName));
            if (meta.Stats.NumChunks > 0 && chunks.SegmentCount == 0)
            {
                throw new BlockCorruptedException(Path.Combine(dir, ChunkSegments.DirectoryName), null, $"no chunk segments but meta.json counts {meta.Stats.NumChunks} chunks");
            }
            return new Block(dir, meta, index, chunks, metaSize);
        }
        catch
        {
            chunks?.Dispose();
            index.Dispose();
            throw;
        }
    }

    /// <summary>The block's directory (absolute).</summary>
    public string Directory { get; }

    /// <summary>The block's meta.json.</summary>
    public BlockMeta Meta { get; }

    /// <summary>Bytes on disk: index, chunk segments and meta.json.</summary>
    public long SizeBytes { get; }

    /// <summary>The block's inverted index for matcher selection. Throws <see cref="ObjectDisposedException"/> once the block is closed.</summary>
    public IPostingsSource Index { get; }

    /// <summary>Completes when the block has been disposed and its last querier released, i.e. its files are unmapped.</summary>
    public Task Closed => _closed.Task;

    /// <summary>The first damage a read met in this block's files (a chunk that failed its CRC), or null.</summary>
    public BlockCorruptedException? Damage => Volatile.Read(ref _damage);

    /// <summary>Records damage a read met; the database moves the block aside at its next maintenance pass.</summary>
    internal void ReportDamage(BlockCorruptedException e) => Interlocked.CompareExchange(ref _damage, e, null);

    /// <summary>True once <see cref="Dispose"/> was called (queriers may still be reading).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal IndexReader IndexReader { get; }

    internal ChunkSegmentReader ChunkReader { get; }

    /// <summary>
    /// Opens a querier over the inclusive range [<paramref name="mint"/>, <paramref name="maxt"/>] (milliseconds). The
    /// querier pins the block until disposed. Throws <see cref="ObjectDisposedException"/> when the block is disposed.
    /// </summary>
    public IQuerier Querier(long mint, long maxt)
    {
        if (!TryAcquire())
        {
            throw new ObjectDisposedException(nameof(Block), $"block {Meta.Ulid} is closed");
        }
        return new BlockQuerier(this, mint, maxt);
    }

    /// <summary>
    /// Reads every chunk record front to back and checks its CRC, and that there are as many as meta.json counts (a
    /// sequential read of the chunk files: about 50 ms per 70 MB from the page cache). Damage is recorded in
    /// <see cref="Damage"/> and returned; null when the block is sound. Throws <see cref="ObjectDisposedException"/>
    /// when the block is closed.
    /// </summary>
    public BlockCorruptedException? VerifyChunks(CancellationToken cancellationToken = default)
    {
        if (!TryAcquire())
        {
            throw new ObjectDisposedException(nameof(Block), $"block {Meta.Ulid} is closed");
        }
        try
        {
            long found = ChunkReader.VerifyAll(cancellationToken);
            if (found != Meta.Stats.NumChunks)
            {
                throw new BlockCorruptedException(Path.Combine(Directory, ChunkSegments.DirectoryName), null, $"the chunk files hold {found} chunks but meta.json counts {Meta.Stats.NumChunks}");
            }
            return null;
        }
        catch (BlockCorruptedException e)
        {
            ReportDamage(e);
            return e;
        }
        finally
        {
            Release();
        }
    }

    /// <summary>All label names in the block, sorted.</summary>
    public IReadOnlyList<string> LabelNames() => Index.LabelNames();

    /// <summary>All values of label <paramref name="name"/> in the block, sorted.</summary>
    public IReadOnlyList<string> LabelValues(string name) => Index.LabelValues(name);

    /// <summary>Takes a reader reference; false when the block is already closed.</summary>
    internal bool TryAcquire()
    {
        while (true)
        {
            int r = Volatile.Read(ref _refs);
            if (r == 0 || IsDisposed)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _refs, r + 1, r) == r)
            {
                return true;
            }
        }
    }

    /// <summary>Returns a reference taken by <see cref="TryAcquire"/>.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            ChunkReader.Dispose();
            IndexReader.Dispose();
            _closed.TrySetResult();
        }
    }

    /// <summary>Drops the opener's reference; files stay mapped until the last querier is disposed.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"block {Meta.Ulid} [{Meta.MinTime}, {Meta.MaxTime})";

    /// <summary>The public face of the index: every call pins the block for its duration.</summary>
    private sealed class BlockIndex(Block block) : IPostingsSource
    {
        private T Use<T>(Func<IndexReader, T> read)
        {
            if (!block.TryAcquire())
            {
                throw new ObjectDisposedException(nameof(Block), $"block {block.Meta.Ulid} is closed");
            }
            try
            {
                return read(block.IndexReader);
            }
            finally
            {
                block.Release();
            }
        }

        public ulong[] AllPostings() => Use(static r => r.AllPostings());

        public ulong[] Postings(string name, string value) => Use(r => r.Postings(name, value));

        public IReadOnlyList<string> LabelValues(string name) => Use(r => r.LabelValues(name));

        public IReadOnlyList<string> LabelNames() => Use(static r => r.LabelNames());
    }
}
