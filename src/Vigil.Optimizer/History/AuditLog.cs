using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.History;

/// <summary>
/// The optimizer's audit log: <c>optimizer/audit.jsonl</c> in the data directory, one JSON object per line for every
/// approve, reject and rollback request (allowed or not) and every executor call, appended and fsynced, never rewritten.
/// </summary>
/// <remarks>
/// The newest <see cref="RecentCapacity"/> entries are also kept in memory for the API (loaded from the file's tail on
/// open). A torn last line (a crash mid-write) stays in the file and is skipped when read; the next entry starts on a
/// new line. Without a directory the log lives in memory only. Thread-safe.
/// </remarks>
internal sealed class AuditLog : IDisposable
{
    /// <summary>The file name inside <see cref="OptimizationJournal.DirectoryName"/>.</summary>
    public const string FileName = "audit.jsonl";

    /// <summary>How many of the newest entries are kept in memory.</summary>
    public const int RecentCapacity = 10_000;

    private const int TailBytes = 4 * 1024 * 1024;

    private readonly object _lock = new();
    private readonly LinkedList<AuditEntry> _recent = new();
    private readonly ILogger _logger;
    private FileStream? _stream;

    private AuditLog(string? path, ILogger logger)
    {
        Path = path;
        _logger = logger;
    }

    /// <summary>The file, or null for a log in memory.</summary>
    public string? Path { get; }

    /// <summary>Opens (creating if needed) the log in <paramref name="dataDirectory"/>; null keeps it in memory.</summary>
    public static AuditLog Open(string? dataDirectory, ILogger logger)
    {
        if (dataDirectory is null)
        {
            return new AuditLog(null, logger);
        }
        string dir = System.IO.Path.Combine(dataDirectory, OptimizationJournal.DirectoryName);
        Directory.CreateDirectory(dir);
        var log = new AuditLog(System.IO.Path.Combine(dir, FileName), logger);
        log.LoadTail();
        log._stream = new FileStream(log.Path!, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (log._stream.Length > 0 && !EndsWithNewline(log.Path!))
        {
            log._stream.WriteByte((byte)'\n');
            log._stream.Flush(flushToDisk: true);
        }
        return log;
    }

    /// <summary>Appends <paramref name="entry"/> (its detail cut to 4096 characters) and fsyncs it; an I/O error is logged, never thrown (the action itself already happened).</summary>
    public void Append(AuditEntry entry)
    {
        // Note: a captured value or a reason can be long; the line stays bounded like executor output.
        entry = entry with { Detail = Executors.ExecutorOutput.Truncate(entry.Detail) };
        byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, OptimizerJson.Writer.AuditEntry) + "\n");
        lock (_lock)
        {
            _recent.AddLast(entry);
            if (_recent.Count > RecentCapacity)
            {
                _recent.RemoveFirst();
            }
            if (_stream is null)
            {
                return;
            }
            try
            {
                _stream.Write(line);
                _stream.Flush(flushToDisk: true);
            }
            catch (IOException e)
            {
                _logger.LogError("Cannot write the optimizer audit log {Path}: {Error}", Path, e.Message);
            }
        }
    }

    /// <summary>The newest entries, newest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<AuditEntry> Recent(int limit)
    {
        lock (_lock)
        {
            var list = new List<AuditEntry>(Math.Min(limit, _recent.Count));
            for (var node = _recent.Last; node is not null && list.Count < limit; node = node.Previous)
            {
                list.Add(node.Value);
            }
            return list;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }

    private static bool EndsWithNewline(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (f.Length == 0)
        {
            return true;
        }
        f.Seek(-1, SeekOrigin.End);
        return f.ReadByte() == '\n';
    }

    private void LoadTail()
    {
        if (!File.Exists(Path))
        {
            return;
        }
        using var f = new FileStream(Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long start = Math.Max(0, f.Length - TailBytes);
        f.Seek(start, SeekOrigin.Begin);
        byte[] bytes = new byte[f.Length - start];
        f.ReadExactly(bytes);
        int offset = 0;
        if (start > 0)
        {
            // Note: the tail starts in the middle of a line; the first whole line follows the first newline.
            offset = Array.IndexOf(bytes, (byte)'\n') + 1;
            if (offset == 0)
            {
                return;
            }
        }
        int skipped = 0;
        while (offset < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', offset);
            int lineEnd = end < 0 ? bytes.Length : end;
            var span = new ReadOnlySpan<byte>(bytes, offset, lineEnd - offset);
            if (!span.IsEmpty)
            {
                try
                {
                    if (JsonSerializer.Deserialize(span, OptimizerJson.Default.AuditEntry) is { } e)
                    {
                        _recent.AddLast(e);
                        if (_recent.Count > RecentCapacity)
                        {
                            _recent.RemoveFirst();
                        }
                    }
                }
                catch (JsonException)
                {
                    skipped++;
                }
            }
            offset = lineEnd + 1;
        }
        if (skipped > 0)
        {
            _logger.LogWarning("{Path}: skipped {Count} malformed audit lines (an interrupted write leaves one)", Path, skipped);
        }
    }
}
