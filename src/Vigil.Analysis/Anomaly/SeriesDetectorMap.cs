namespace Vigil.Analysis.Anomaly;

/// <summary>One streaming detector per series, created on first sight, with batch scoring and state save/restore for persistence.</summary>
/// <remarks>Not thread-safe: one evaluation loop owns a map. Series ids are the caller's (e.g. a storage series reference).</remarks>
public sealed class SeriesDetectorMap
{
    private readonly string _detector;
    private readonly IReadOnlyDictionary<string, double>? _parameters;
    private readonly Dictionary<ulong, IStreamingDetector> _detectors = [];

    /// <summary>Creates an empty map whose detectors are <paramref name="detector"/> with <paramref name="parameters"/>.</summary>
    public SeriesDetectorMap(string detector = DetectorFactory.DefaultName, IReadOnlyDictionary<string, double>? parameters = null)
    {
        // Note: create one detector now so a bad name or parameter fails at configuration time, not on the first sample.
        DetectorFactory.Create(detector, parameters);
        _detector = detector;
        _parameters = parameters;
    }

    /// <summary>The detector name used for new series.</summary>
    public string Detector => _detector;

    /// <summary>The number of series with a detector.</summary>
    public int Count => _detectors.Count;

    /// <summary>Scores the next point of a series, creating its detector when the series is new.</summary>
    public double Score(ulong seriesId, long timestampMs, double value)
    {
        if (!_detectors.TryGetValue(seriesId, out var d))
        {
            d = DetectorFactory.Create(_detector, _parameters);
            _detectors.Add(seriesId, d);
        }
        return d.Score(timestampMs, value);
    }

    /// <summary>Scores one point per entry (entries of one series in time order); <paramref name="scores"/> receives the results.</summary>
    public void ScoreBatch(ReadOnlySpan<ulong> seriesIds, ReadOnlySpan<long> timestampsMs, ReadOnlySpan<double> values, Span<double> scores)
    {
        if (timestampsMs.Length != seriesIds.Length || values.Length != seriesIds.Length || scores.Length < seriesIds.Length)
        {
            throw new ArgumentException($"batch lengths differ: {seriesIds.Length} ids, {timestampsMs.Length} timestamps, {values.Length} values, {scores.Length} score slots.");
        }
        for (int i = 0; i < seriesIds.Length; i++)
        {
            scores[i] = Score(seriesIds[i], timestampsMs[i], values[i]);
        }
    }

    /// <summary>Forgets a series (e.g. when it goes stale); returns whether it had a detector.</summary>
    public bool Remove(ulong seriesId) => _detectors.Remove(seriesId);

    /// <summary>The saved state of every series' detector, for persistence.</summary>
    public IEnumerable<KeyValuePair<ulong, byte[]>> SaveAll()
    {
        foreach (var (id, d) in _detectors)
        {
            yield return new KeyValuePair<ulong, byte[]>(id, d.SaveState());
        }
    }

    /// <summary>Restores a series' detector from saved state (replacing any current one).</summary>
    public void Restore(ulong seriesId, byte[] state) => _detectors[seriesId] = DetectorFactory.Restore(state);
}
