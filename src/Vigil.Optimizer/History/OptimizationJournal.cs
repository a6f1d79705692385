using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.History;

/// <summary>
/// The optimizer's history on disk: <c>optimizer/executions.jsonl</c> in the data directory, one JSON snapshot of an
/// execution per line, appended (and fsynced) at every transition. On open the last snapshot of each id wins.
/// </summary>
/// <remarks>
/// A torn last line (a crash in the middle of a write) is cut off with a warning; a malformed line elsewhere is skipped
/// with a warning naming its line number. The file is rewritten (to a temporary file, fsynced, renamed over the old
/// one) when it holds more than twice the snapshots needed. Without a directory the history lives in memory only.
/// Not thread-safe: the optimizer serializes calls.
/// </remarks>
internal sealed class OptimizationJournal : IDisposable
{
    /// <summary>The journal's file name inside <see cref="DirectoryName"/>.</summary>
    public const string FileName = "executions.jsonl";

    /// <summary>The directory inside the data directory.</summary>
    public const string DirectoryName = "optimizer";

    private const int CompactionSlack = 256;

    private readonly string? _path;
    private readonly ILogger _logger;
    private FileStream? _stream;
    private long _lines;

    private OptimizationJournal(string? path, ILogger logger)
    {
        _path = path;
        _logger = logger;
    }

    /// <summary>The journal file, or null for a history in memory.</summary>
    public string? Path => _path;

    /// <summary>
    /// Opens (creating if needed) the journal in <paramref name="dataDirectory"/> and returns the executions it holds,
    /// oldest first; null <paramref name="dataDirectory"/> keeps the history in memory.
    /// </summary>
    public static OptimizationJournal Open(string? dataDirectory, ILogger logger, out List<OptimizationExecution> executions)
    {
        executions = new List<OptimizationExecution>();
        if (dataDirectory is null)
        {
            return new OptimizationJournal(null, logger);
        }
        string dir = System.IO.Path.Combine(dataDirectory, DirectoryName);
        Directory.CreateDirectory(dir);
        string path = System.IO.Path.Combine(dir, FileName);
        var journal = new OptimizationJournal(path, logger);
        long goodLength = journal.Load(executions, out bool needsNewline);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        if (stream.Length > goodLength)
        {
            stream.SetLength(goodLength);
            stream.Flush(flushToDisk: true);
        }
        stream.Seek(0, SeekOrigin.End);
        if (needsNewline)
        {
            // Note: a kept record without its newline needs one before the next append.
            stream.WriteByte((byte)'\n');
            stream.Flush(flushToDisk: true);
        }
        journal._stream = stream;
        return journal;
    }

    /// <summary>Appends a snapshot of <paramref name="execution"/> and fsyncs it.</summary>
    public void Append(OptimizationExecution execution)
    {
        if (_stream is null)
        {
            return;
        }
        byte[] line = Encoding.UTF8.GetBytes(OptimizerJson.Serialize(execution) + "\n");
        _stream.Write(line);
        _stream.Flush(flushToDisk: true);
        _lines++;
    }

    /// <summary>True when the file holds many more snapshots than <paramref name="live"/> executions need.</summary>
    public bool NeedsCompaction(int live) => _stream is not null && _lines > (2L * live) + CompactionSlack;

    /// <summary>Rewrites the file with one snapshot per execution in <paramref name="keep"/> (atomically: temp file, fsync, rename).</summary>
    public void Compact(IEnumerable<OptimizationExecution> keep)
    {
        if (_stream is null || _path is null)
        {
            return;
        }
        string temp = _path + ".tmp";
        long lines = 0;
        using (var tmp = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var e in keep)
            {
                tmp.Write(Encoding.UTF8.GetBytes(OptimizerJson.Serialize(e) + "\n"));
                lines++;
            }
            tmp.Flush(flushToDisk: true);
        }
        _stream.Dispose();
        File.Move(temp, _path, overwrite: true);
        _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
        _lines = lines;
        _logger.LogDebug("Optimizer history compacted to {Lines} executions", lines);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <summary>Reads the file into <paramref name="executions"/>; returns the length of the well-formed prefix.</summary>
    private long Load(List<OptimizationExecution> executions, out bool needsNewline)
    {
        needsNewline = false;
        if (!File.Exists(_path))
        {
            return 0;
        }
        byte[] bytes = File.ReadAllBytes(_path!);
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        long offset = 0;
        int lineNumber = 0;
        long goodLength = 0;
        while (offset < bytes.Length)
        {
            lineNumber++;
            int end = Array.IndexOf(bytes, (byte)'\n', (int)offset);
            bool complete = end >= 0;
            int lineEnd = complete ? end : bytes.Length;
            var span = new ReadOnlySpan<byte>(bytes, (int)offset, lineEnd - (int)offset);
            long next = complete ? end + 1 : bytes.Length;
            if (span.Trim((byte)' ').Length == 0)
            {
                offset = next;
                goodLength = complete ? next : goodLength;
                continue;
            }
            try
            {
                var e = JsonSerializer.Deserialize(span, OptimizerJson.Default.OptimizationExecution)
                    ?? throw new JsonException("null instead of an execution");
                if (!complete)
                {
                    // Note: a parsable line without its newline is a complete write cut before the newline; keep it.
                    _logger.LogWarning("{Path}:{Line}: the last history record has no trailing newline; kept", _path, lineNumber);
                    needsNewline = true;
                }
                if (byId.TryGetValue(e.Id, out int at))
                {
                    executions[at] = e;
                }
                else
                {
                    byId.Add(e.Id, executions.Count);
                    executions.Add(e);
                }
                _lines++;
                goodLength = next;
            }
            catch (JsonException ex)
            {
                if (!complete)
                {
                    _logger.LogWarning("{Path}:{Line}: the last history record is incomplete (interrupted write at byte {Offset}); it is dropped: {Error}",
                        _path, lineNumber, offset.ToString(CultureInfo.InvariantCulture), ex.Message);
                    break;
                }
                _logger.LogWarning("{Path}:{Line}: skipping a malformed history record: {Error}", _path, lineNumber, ex.Message);
                goodLength = next;
            }
            offset = next;
        }
        return goodLength;
    }
}
