using System.Collections.Concurrent;
using Vigil.Collection.Otlp.Proto;
using Vigil.Collection.Push;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Collection.Otlp;

/// <summary>
/// Stores OTLP metrics export requests (decoded by <see cref="OtlpDecoder"/>) as Prometheus series, translated as
/// Prometheus 3 does (<see cref="OtlpTranslation"/>), all or nothing: a request with anything invalid stores nothing
/// and throws <see cref="OtlpException"/>.
/// </summary>
/// <remarks>
/// Thread-safe. Requests run concurrently except those holding delta points, which are serialized on the running
/// totals (<see cref="DeltaStore"/>). <see cref="Options"/> may be replaced at any time (a configuration reload); a
/// request uses the options it started with.
/// </remarks>
internal sealed class OtlpReceiver(IAppendable storage, PushedMetadata metadata, OtlpOptions options, TimeProvider clock)
{
    /// <summary>How many series' start times are remembered for created-timestamp zeros; the memory is cleared when full.</summary>
    internal const int MaxRememberedStartTimes = 1_000_000;

    private readonly ConcurrentDictionary<LabelSet, long> _startTimes = new();
    private int _startTimeCount;
    private volatile OtlpOptions _options = options;

    /// <summary>The translation settings; replaced on reload.</summary>
    public OtlpOptions Options
    {
        get => _options;
        set => _options = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The running totals of delta series.</summary>
    internal DeltaStore Deltas { get; } = new();

    /// <summary>
    /// Translates and stores one request. Returns what was stored and the data points rejected (OTLP's partial
    /// success); throws <see cref="OtlpException"/> for invalid input (nothing stored) and <see cref="StorageException"/>
    /// when the storage fails (nothing stored).
    /// </summary>
    public OtlpExportResult Export(ExportMetricsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var translation = new OtlpTranslation(this, _options, storage.Appender(), Timestamp.Now(clock));
        try
        {
            translation.Run(request);
            translation.Commit();
        }
        finally
        {
            translation.Release();
        }
        foreach (var (key, start) in translation.StartTimes)
        {
            RememberStartTime(key, start);
        }
        foreach (var md in translation.Metadata)
        {
            metadata.Set(md);
        }
        return new OtlpExportResult(translation.Samples, translation.Rejected, translation.RejectedMessage);
    }

    /// <summary>The start time last stored as a created-timestamp zero for <paramref name="key"/>, or 0.</summary>
    internal long KnownStartTime(LabelSet key) => _startTimes.GetValueOrDefault(key);

    private void RememberStartTime(LabelSet key, long start)
    {
        if (_startTimes.TryAdd(key, start))
        {
            if (Interlocked.Increment(ref _startTimeCount) > MaxRememberedStartTimes)
            {
                // Note: forgetting costs at most one refused zero sample per series later; remembering without bound costs memory.
                _startTimes.Clear();
                Interlocked.Exchange(ref _startTimeCount, 0);
            }
            return;
        }
        _startTimes[key] = start;
    }
}

/// <summary>What one OTLP request stored.</summary>
/// <param name="Samples">Samples appended (created-timestamp zeros not counted).</param>
/// <param name="RejectedPoints">Data points that were dropped (OTLP partial success), 0 when all were stored.</param>
/// <param name="RejectedMessage">Why the first of them was dropped, or null.</param>
internal readonly record struct OtlpExportResult(int Samples, long RejectedPoints, string? RejectedMessage);
