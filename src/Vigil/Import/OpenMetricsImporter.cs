using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb;
using Vigil.Tsdb.Blocks;

namespace Vigil.Import;

/// <summary>
/// Writes TSDB blocks from an OpenMetrics text file with timestamps, as <c>promtool tsdb create-blocks-from openmetrics</c>
/// does. The whole file is validated first (syntax, timestamps, per-series order), so a bad line stops the import
/// before anything is written; then one pass per block range builds a block in a staging directory, and the blocks are
/// moved into the data directory only when all of them are written.
/// </summary>
internal sealed class OpenMetricsImporter
{
    private const int ChunkSize = 16 * 1024 * 1024;
    private readonly ILogger _log;
    private readonly long _blockRange;

    public OpenMetricsImporter(ILogger log, long blockRange = 2 * 3600 * 1000L)
    {
        _log = log;
        _blockRange = blockRange;
    }

    /// <summary>Imports <paramref name="file"/> into <paramref name="dataDir"/>; <paramref name="progress"/> gets (done, total) bytes per pass.</summary>
    public ImportResult Import(string file, string dataDir, Action<string, long, long>? progress = null, CancellationToken ct = default)
    {
        if (!File.Exists(file))
        {
            throw new ImportException($"{file}: no such file");
        }
        using var dirLock = TsdbStorage.LockDataDir(dataDir);
        var stats = Validate(file, progress, ct);
        if (stats.Samples == 0)
        {
            return new ImportResult(0, 0, 0, 0, 0);
        }
        string staging = Path.Combine(dataDir, $"import.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        var written = new List<string>();
        try
        {
            var writer = new BlockWriter(_log);
            long first = FloorDiv(stats.MinTime, _blockRange) * _blockRange;
            int windows = (int)((stats.MaxTime - first) / _blockRange) + 1;
            for (int w = 0; w < windows; w++)
            {
                long mint = first + (w * _blockRange);
                long maxt = mint + _blockRange;
                var head = new Tsdb.Head.Head(_blockRange);
                long n = LoadWindow(file, head, mint, maxt, progress, $"block {w + 1}/{windows}", ct);
                if (n == 0)
                {
                    continue;
                }
                var meta = writer.Write(staging, head.SeriesForBlock(mint, maxt), mint, maxt, cancellationToken: ct);
                written.Add(meta.Ulid.ToString());
            }
            foreach (var ulid in written)
            {
                Directory.Move(Path.Combine(staging, ulid), Path.Combine(dataDir, ulid));
            }
            long bytes = written.Sum(u => DirSize(Path.Combine(dataDir, u)));
            return new ImportResult(stats.Samples, stats.Series, written.Count, bytes, stats.MaxTime - stats.MinTime);
        }
        finally
        {
            try
            {
                Directory.Delete(staging, true);
            }
            catch (IOException e)
            {
                _log.LogWarning("could not remove staging directory {Dir}: {Error}", staging, e.Message);
            }
        }
    }

    private sealed record Validation(long Samples, long Series, long MinTime, long MaxTime);

    private Validation Validate(string file, Action<string, long, long>? progress, CancellationToken ct)
    {
        var last = new SeriesByteMap<long>();
        long samples = 0, mint = long.MaxValue, maxt = long.MinValue;
        long latest = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + Tsdb.Head.Head.DefaultMaxFutureMs;
        ParseFile(file, progress, "validating", ct, parser =>
        {
            long t = parser.TimestampMs ?? throw Error(file, parser.CreateError("sample has no timestamp; an import needs explicit timestamps"));
            if (t > latest)
            {
                throw Error(file, parser.CreateError(string.Create(CultureInfo.InvariantCulture,
                    $"timestamp {t} of series {parser.BuildLabelSet()} (in ms) lies more than 10 minutes after now; OpenMetrics timestamps are Unix seconds: is it in milliseconds?")));
            }
            ref long prev = ref last.GetValueRefOrAddDefault(parser.SeriesBytes, out bool exists);
            if (exists && t <= prev)
            {
                throw Error(file, parser.CreateError(t == prev
                    ? $"duplicate timestamp {t} for series {parser.BuildLabelSet()}"
                    : $"out of order sample for series {parser.BuildLabelSet()}: timestamp {t} after {prev}"));
            }
            if (!exists)
            {
                string? invalid = LabelValidation.Validate(parser.BuildLabelSet());
                if (invalid is not null)
                {
                    throw Error(file, parser.CreateError(invalid));
                }
            }
            prev = t;
            samples++;
            mint = Math.Min(mint, t);
            maxt = Math.Max(maxt, t);
        });
        return new Validation(samples, last.Count, mint, maxt);
    }

    private long LoadWindow(string file, Tsdb.Head.Head head, long mint, long maxt, Action<string, long, long>? progress, string stage, CancellationToken ct)
    {
        var refs = new SeriesByteMap<(LabelSet Labels, SeriesRef Ref)>();
        var app = head.Appender();
        long n = 0, pending = 0;
        ParseFile(file, progress, stage, ct, parser =>
        {
            long t = parser.TimestampMs!.Value;
            if (t < mint || t >= maxt)
            {
                return;
            }
            ref var entry = ref refs.GetValueRefOrAddDefault(parser.SeriesBytes, out bool exists);
            if (!exists)
            {
                entry.Labels = parser.BuildLabelSet();
            }
            if (!app.TryAppend(ref entry.Ref, entry.Labels, t, parser.Value, out var err))
            {
                throw Error(file, parser.CreateError($"sample refused: {err}"));
            }
            n++;
            if (++pending == 100_000)
            {
                app.Commit();
                app = head.Appender();
                pending = 0;
            }
        });
        app.Commit();
        return n;
    }

    /// <summary>Streams the file through the parser in line-aligned chunks, calling <paramref name="onSample"/> per sample.</summary>
    private static void ParseFile(string file, Action<string, long, long>? progress, string stage, CancellationToken ct, Action<ExpositionParser> onSample)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long total = stream.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize + (1 << 20));
        try
        {
            var parser = new ExpositionParser(ReadOnlyMemory<byte>.Empty, ExpositionFormatKind.OpenMetrics);
            int carry = 0;
            long done = 0;
            bool started = false;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                int read = stream.Read(buffer, carry, buffer.Length - carry);
                int filled = carry + read;
                bool final = read == 0 || stream.Position >= total;
                int cut = filled;
                if (!final)
                {
                    cut = Array.LastIndexOf(buffer, (byte)'\n', filled - 1, filled) + 1;
                    if (cut == 0)
                    {
                        throw new ImportException($"{file}: a line longer than {buffer.Length} bytes");
                    }
                }
                var chunk = new ReadOnlyMemory<byte>(buffer, 0, cut);
                if (!started)
                {
                    parser.ResetChunked(chunk, ExpositionFormatKind.OpenMetrics, final);
                    started = true;
                }
                else
                {
                    parser.Continue(chunk, final);
                }
                try
                {
                    while (parser.Next() != ExpositionEntry.EndOfInput)
                    {
                        if (parser.Entry == ExpositionEntry.Series)
                        {
                            onSample(parser);
                        }
                    }
                }
                catch (ExpositionParseException e)
                {
                    throw Error(file, e);
                }
                done += cut;
                progress?.Invoke(stage, done, total);
                if (final)
                {
                    return;
                }
                // Note: the parser has consumed the chunk, so the unparsed tail can move to the front.
                carry = filled - cut;
                Buffer.BlockCopy(buffer, cut, buffer, 0, carry);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ImportException Error(string file, ExpositionParseException e)
        => new($"{file}:{e.Line}:{e.Column}: {e.Reason}; nothing was imported", e);

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;

    private static long DirSize(string dir) => new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
}

/// <summary>What an import wrote.</summary>
internal sealed record ImportResult(long Samples, long Series, int Blocks, long Bytes, long SpanMs);

/// <summary>An import failed; the message names file, line and column.</summary>
internal sealed class ImportException : Exception
{
    public ImportException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public ImportException()
    {
    }

    public ImportException(string message)
        : base(message)
    {
    }
}
