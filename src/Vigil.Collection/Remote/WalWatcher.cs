using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vigil.Collection.Relabel;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Remote;

/// <summary>
/// Tails the storage's write-ahead log for one remote (Prometheus <c>storage/remote.WALWatcher</c>): series records feed
/// a ref → labels cache (external labels added, <c>write_relabel_configs</c> applied), sample records go to the
/// remote's shards. The position of the oldest sample not yet acknowledged is saved beside the WAL every second and at
/// stop, so a restart resumes exactly there; the WAL keeps the segments from that position on (within the remote's
/// disk budget).
/// </summary>
/// <remarks>
/// <para>Positions are a frame (segment, offset) plus the number of that frame's samples already acknowledged. Every
/// sample read gets a sequence number; the queue reports the lowest one not yet acknowledged, and the frame table maps
/// it back to a position. A sample acknowledged by the remote after the last save is sent again after a crash (not
/// after a clean stop, which saves last).</para>
/// <para>A new remote starts at the beginning of the segment being written. Not thread-safe: one loop runs it.</para>
/// </remarks>
internal sealed class WalWatcher
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    private readonly IWriteLog _wal;
    private readonly QueueManager _queue;
    private readonly RemoteStorageInstruments _instruments;
    private readonly LabelSet _externalLabels;
    private readonly string _positionFile;
    private readonly ILogger _log;
    private readonly Dictionary<ulong, RemoteSeries?> _series = [];
    private readonly Dictionary<LabelSet, RemoteSeries> _byLabels = [];
    private readonly List<Frame> _frames = [];
    private readonly List<LoggedSeries> _seriesBuffer = [];
    private readonly List<LoggedSample> _samplesBuffer = [];
    private long _nextSeq;
    private SavedPosition _saved;

    public WalWatcher(IWriteLog wal, QueueManager queue, RemoteStorageInstruments instruments, LabelSet externalLabels, string stateDirectory, ILogger log)
    {
        _wal = wal;
        _queue = queue;
        _instruments = instruments;
        _externalLabels = externalLabels;
        _positionFile = Path.Combine(stateDirectory, "position.json");
        _log = log;
    }

    private string Name => _queue.Options.EffectiveName;

    /// <summary>Reads the WAL and feeds the queue until <paramref name="ct"/> fires; saves the position as it goes.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var resume = Load();
        foreach (var s in ReadCheckpointSeries())
        {
            AddSeries(s);
        }
        int first = _wal.FirstSegment;
        if (resume.Segment < first)
        {
            Released(resume.Segment, first);
            resume = new SavedPosition(first, 0, 0);
        }
        _saved = resume;
        _queue.PositionSegment = resume.Segment;
        _wal.Retain(Name, new WriteLogRetention(resume.Segment, _queue.Options.MaxWalBytes));
        // Note: series records of the segments before the position are needed too: samples after it refer to them.
        var start = new WriteLogPosition(first >= 0 ? Math.Min(first, resume.Segment) : resume.Segment, 0);
        var reader = _wal.Open(start);
        var resumeAt = new WriteLogPosition(resume.Segment, resume.Offset);
        long toSkip = resume.Skip;
        var lastFrame = new WriteLogPosition(-1, -1);
        long lastSave = Environment.TickCount64;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (Environment.TickCount64 - lastSave >= SaveInterval.TotalMilliseconds)
                {
                    Save();
                    lastSave = Environment.TickCount64;
                }
                if (_queue.WantsReshard)
                {
                    await _queue.ReshardAsync(ct).ConfigureAwait(false);
                }
                WriteLogRecordKind kind;
                try
                {
                    kind = reader.Next(_seriesBuffer, _samplesBuffer);
                }
                catch (WriteLogGapException gap)
                {
                    _log.LogError("Remote-write {Remote}: {Error}; going on at {Position}", Name, gap.Message, gap.ResumeAt);
                    Released(Math.Max(gap.Segment, resumeAt.Segment), gap.ResumeAt.Segment);
                    reader.Dispose();
                    reader = _wal.Open(gap.ResumeAt);
                    if (resumeAt < gap.ResumeAt)
                    {
                        resumeAt = gap.ResumeAt;
                        toSkip = 0;
                    }
                    continue;
                }
                switch (kind)
                {
                    case WriteLogRecordKind.None:
                        Save();
                        lastSave = Environment.TickCount64;
                        await Task.Delay(IdlePoll, ct).ConfigureAwait(false);
                        continue;
                    case WriteLogRecordKind.Series:
                        foreach (var s in _seriesBuffer)
                        {
                            AddSeries(s);
                        }
                        continue;
                    case WriteLogRecordKind.Samples:
                        break;
                    default:
                        continue;
                }
                var position = reader.Position;
                if (position < resumeAt)
                {
                    continue;
                }
                if (position != lastFrame)
                {
                    lastFrame = position;
                    lock (_frames)
                    {
                        _frames.Add(new Frame(_nextSeq, position));
                    }
                }
                long minTime = _queue.Options.Queue.SampleAgeLimit > TimeSpan.Zero
                    ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)_queue.Options.Queue.SampleAgeLimit.TotalMilliseconds
                    : long.MinValue;
                foreach (var sample in _samplesBuffer)
                {
                    long seq = _nextSeq++;
                    if (position == resumeAt && toSkip > 0)
                    {
                        toSkip--;
                    }
                    else if (!_series.TryGetValue(sample.Ref, out var series))
                    {
                        _instruments.Dropped(_queue, 1, "unknown_series");
                    }
                    else if (series is null)
                    {
                        _instruments.Dropped(_queue, 1, "relabel");
                    }
                    else if (sample.T < minTime)
                    {
                        _instruments.Dropped(_queue, 1, "too_old");
                    }
                    else
                    {
                        await _queue.AppendAsync(new PendingSample(series, sample.T, sample.V, seq), ct).ConfigureAwait(false);
                    }
                    _queue.CommittedSeq = seq + 1;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            reader.Dispose();
        }
    }

    /// <summary>Saves the position of the oldest sample not yet acknowledged and moves the WAL retention mark to it.</summary>
    public void Save()
    {
        long watermark = _queue.Watermark;
        Frame? at = null;
        lock (_frames)
        {
            int index = -1;
            for (int i = _frames.Count - 1; i >= 0; i--)
            {
                if (_frames[i].FirstSeq <= watermark)
                {
                    index = i;
                    break;
                }
            }
            if (index >= 0)
            {
                at = _frames[index];
                _frames.RemoveRange(0, index);
            }
        }
        if (at is not { } frame)
        {
            return;
        }
        var position = new SavedPosition(frame.Position.Segment, frame.Position.Offset, watermark - frame.FirstSeq);
        if (position == _saved)
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_positionFile)!);
            string tmp = _positionFile + ".tmp";
            File.WriteAllText(tmp, JsonSerializer.Serialize(position, PositionJson.Default.SavedPosition));
            File.Move(tmp, _positionFile, overwrite: true);
            _saved = position;
            _queue.PositionSegment = position.Segment;
            _wal.Retain(Name, new WriteLogRetention(position.Segment, _queue.Options.MaxWalBytes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogError("Remote-write {Remote}: cannot save its WAL position to {File}: {Error}", Name, _positionFile, e.Message);
        }
    }

    private SavedPosition Load()
    {
        var fresh = new SavedPosition(Math.Max(0, _wal.LastSegment), 0, 0);
        if (!File.Exists(_positionFile))
        {
            _log.LogInformation("Remote-write {Remote}: no saved position, starting at WAL segment {Segment}", Name, fresh.Segment);
            return fresh;
        }
        try
        {
            var saved = JsonSerializer.Deserialize(File.ReadAllText(_positionFile), PositionJson.Default.SavedPosition);
            if (saved.Segment < 0 || saved.Offset < 0 || saved.Skip < 0 || saved.Segment > _wal.LastSegment)
            {
                _log.LogWarning("Remote-write {Remote}: saved position {Position} is not in this WAL; starting at segment {Segment}",
                    Name, saved, fresh.Segment);
                return fresh;
            }
            _log.LogInformation("Remote-write {Remote}: resuming at WAL segment {Segment} offset {Offset} (+{Skip} samples)", Name, saved.Segment, saved.Offset, saved.Skip);
            return saved;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            _log.LogError("Remote-write {Remote}: cannot read {File} ({Error}); starting at WAL segment {Segment}", Name, _positionFile, e.Message, fresh.Segment);
            return fresh;
        }
    }

    private List<LoggedSeries> ReadCheckpointSeries()
    {
        var list = new List<LoggedSeries>();
        try
        {
            _wal.ReadCheckpointSeries(list);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            _log.LogError("Remote-write {Remote}: cannot read the WAL checkpoint's series: {Error}", Name, e.Message);
        }
        return list;
    }

    private void Released(int from, int to)
    {
        if (to <= from)
        {
            return;
        }
        _instruments.Released(_queue, to - from);
        _log.LogError(
            "Remote-write {Remote}: WAL segments {From} to {To} were released before they were sent (disk budget exceeded or damaged): their samples are lost for this remote",
            Name, from, to - 1);
    }

    private void AddSeries(LoggedSeries s)
    {
        var labels = s.Labels;
        if (_externalLabels.Count > 0)
        {
            var builder = new LabelSetBuilder(labels);
            foreach (var l in _externalLabels.AsSpan())
            {
                if (!labels.Has(l.Name))
                {
                    builder.Set(l.Name, l.Value);
                }
            }
            labels = builder.Build();
        }
        var relabel = _queue.Options.WriteRelabelConfigs;
        if (relabel.Count > 0)
        {
            if (Relabeler.Process(labels, relabel) is not { } relabelled)
            {
                _series[s.Ref] = null;
                return;
            }
            labels = relabelled;
        }
        if (!_byLabels.TryGetValue(labels, out var series))
        {
            series = new RemoteSeries(labels);
            _byLabels[labels] = series;
        }
        _series[s.Ref] = series;
    }

    private readonly record struct Frame(long FirstSeq, WriteLogPosition Position);
}

/// <summary>A remote's saved WAL position: frame (segment, offset) and how many of its samples were already acknowledged.</summary>
internal readonly record struct SavedPosition(int Segment, long Offset, long Skip)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"segment {Segment} offset {Offset} +{Skip}");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(SavedPosition))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class PositionJson : System.Text.Json.Serialization.JsonSerializerContext;
