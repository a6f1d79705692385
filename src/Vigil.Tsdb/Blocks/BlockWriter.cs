using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Tsdb.Chunks;
using Vigil.Tsdb.Index;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Blocks;

/// <summary>Writes an immutable block directory (<c>chunks/NNNNNN</c>, <c>index</c>, <c>meta.json</c>) atomically.</summary>
/// <remarks>
/// The block is written into <c>&lt;ulid&gt;.tmp-for-creation</c>, every file and directory is fsynced, then the
/// directory is renamed to <c>&lt;ulid&gt;</c> and the data directory fsynced: after a crash either the whole block
/// exists or only a temporary directory that <see cref="BlockDirectory"/> removes. Streaming: chunk bytes go to disk
/// as each series arrives, so memory does not grow with the number of chunks. Thread-safe: each call is independent.
/// Chunks are written in the <see cref="ChunkEncoding.Block"/> encoding: each series' samples, whatever the encoding
/// of the chunks handed in, are cut into chunks of at most <see cref="MaxSamplesPerChunk"/> samples of about equal size.
/// </remarks>
public sealed partial class BlockWriter
{
    /// <summary>Suffix of a block directory being written.</summary>
    public const string TmpForCreationSuffix = ".tmp-for-creation";

    /// <summary>The most samples of one series in one block chunk.</summary>
    public const int MaxSamplesPerChunk = 1024;

    /// <summary>
    /// The zstd level tried on each block chunk. Note: a chunk keeps the zstd frame only when it saves a fifth of the
    /// bit-packed bytes, which is rare for scraped data, so a cheap level keeps compaction cheap.
    /// </summary>
    private const int ZstdLevel = 3;

    private readonly ILogger _logger;
    private readonly long _segmentSize;
    private readonly ChunkEncoding _encoding;

    /// <summary>Creates a writer whose chunk segment files hold at most <paramref name="segmentSize"/> bytes (default 512 MiB).</summary>
    public BlockWriter(ILogger? logger = null, long segmentSize = ChunkSegments.DefaultSegmentSize)
        : this(logger, segmentSize, ChunkEncoding.Block)
    {
    }

    /// <summary>
    /// A writer that can also write blocks as Vigil did before the block encoding: <see cref="ChunkEncoding.Xor"/>
    /// copies XOR chunks as they are (tests of old blocks).
    /// </summary>
    internal BlockWriter(ILogger? logger, long segmentSize, ChunkEncoding encoding)
    {
        _logger = logger ?? NullLogger.Instance;
        _segmentSize = segmentSize;
        _encoding = encoding;
    }

    /// <summary>
    /// Writes a block covering [<paramref name="minTime"/>, <paramref name="maxTimeExclusive"/>) into
    /// <paramref name="dataDir"/> and returns its meta. <paramref name="sortedSeries"/> must be in strictly increasing
    /// <see cref="LabelSet.Compare"/> order, each series' chunks sorted by time and disjoint, every sample inside the range;
    /// otherwise <see cref="ArgumentException"/> names the series, and nothing is left behind.
    /// </summary>
    /// <param name="dataDir">Directory that holds the blocks; created if missing.</param>
    /// <param name="sortedSeries">The series, enumerated once.</param>
    /// <param name="minTime">First timestamp of the block, milliseconds, inclusive.</param>
    /// <param name="maxTimeExclusive">End of the block's range, milliseconds, exclusive.</param>
    /// <param name="ulid">The block's ULID; a new one when null.</param>
    /// <param name="compaction">Lineage for meta.json; level 1 with the block itself as source when null.</param>
    /// <param name="cancellationToken">Stops the write between series; the temporary directory is removed.</param>
    public BlockMeta Write(string dataDir, IEnumerable<BlockSeries> sortedSeries, long minTime, long maxTimeExclusive,
        Ulid? ulid = null, BlockCompaction? compaction = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sortedSeries);
        if (maxTimeExclusive <= minTime)
        {
            throw new ArgumentException($"block range [{minTime}, {maxTimeExclusive}) is empty");
        }
        var id = ulid ?? Ulid.NewUlid();
        compaction ??= BlockCompaction.ForNewBlock(id);
        var sw = Stopwatch.StartNew();
        Directory.CreateDirectory(dataDir);
        string final = Path.Combine(dataDir, id.ToString());
        string tmp = final + TmpForCreationSuffix;
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        Directory.CreateDirectory(tmp);
        try
        {
            long samples = 0, chunksWritten = 0;
            int seriesWritten;
            string chunkDir = Path.Combine(tmp, ChunkSegments.DirectoryName);
            using (var chunkWriter = new ChunkSegmentWriter(chunkDir, _segmentSize))
            using (var indexWriter = new IndexWriter(Path.Combine(tmp, Block.IndexFileName), Path.Combine(tmp, "index.spool"), minTime))
            {
                var refs = new List<ChunkRefMeta>();
                using var packer = _encoding == ChunkEncoding.Block ? new ChunkPacker(ZstdLevel) : null;
                foreach (var series in sortedSeries)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (series.Chunks.Count == 0)
                    {
                        continue;
                    }
                    refs.Clear();
                    foreach (var c in series.Chunks)
                    {
                        if (c.MinTime < minTime || c.MaxTime >= maxTimeExclusive)
                        {
                            throw new ArgumentException(
                                $"series {series.Labels}: chunk [{c.MinTime}, {c.MaxTime}] is outside the block range [{minTime}, {maxTimeExclusive})");
                        }
                        if (packer is not null)
                        {
                            packer.Add(series.Labels, c);
                            continue;
                        }
                        if (c.Encoding != ChunkEncoding.Xor)
                        {
                            throw new ArgumentException($"series {series.Labels}: an XOR block cannot hold a {c.Encoding} chunk");
                        }
                        int count = c.Data.Length >= 2 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(c.Data.Span) : 0;
                        if (count == 0)
                        {
                            continue;
                        }
                        refs.Add(new ChunkRefMeta(c.MinTime, c.MaxTime, chunkWriter.Write(c.Data.Span, ChunkEncoding.Xor)));
                        samples += count;
                    }
                    if (packer is not null)
                    {
                        samples += packer.Flush(chunkWriter, refs);
                    }
                    if (refs.Count == 0)
                    {
                        continue;
                    }
                    indexWriter.AddSeries(series.Labels, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(refs));
                    chunksWritten += refs.Count;
                }
                chunkWriter.Finish();
                indexWriter.Finish();
                seriesWritten = indexWriter.SeriesCount;
            }
            var meta = new BlockMeta(id, minTime, maxTimeExclusive, new BlockStats(samples, seriesWritten, chunksWritten), compaction);
            WriteDurably(Path.Combine(tmp, BlockMetaFile.FileName), BlockMetaFile.Serialize(meta));
            if (Directory.Exists(chunkDir))
            {
                NativeFileSystem.SyncDirectory(chunkDir);
            }
            NativeFileSystem.SyncDirectory(tmp);
            Directory.Move(tmp, final);
            NativeFileSystem.SyncDirectory(dataDir);
            LogWritten(id, minTime, maxTimeExclusive, seriesWritten, chunksWritten, samples, compaction.Level, sw.ElapsedMilliseconds);
            return meta;
        }
        catch
        {
            try
            {
                Directory.Delete(tmp, recursive: true);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Note: a leftover temporary directory is removed at the next start-up.
            }
            throw;
        }
    }

    private static void WriteDurably(string path, byte[] bytes)
    {
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        fs.Write(bytes);
        fs.Flush(flushToDisk: true);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Wrote block {Ulid} [{MinTime}, {MaxTime}) level {Level}: {Series} series, {Chunks} chunks, {Samples} samples in {ElapsedMs} ms")]
    private partial void LogWritten(Ulid ulid, long minTime, long maxTime, int series, long chunks, long samples, int level, long elapsedMs);
}
