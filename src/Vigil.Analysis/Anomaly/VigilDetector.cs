namespace Vigil.Analysis.Anomaly;

/// <summary>
/// Vigil's default detector, chosen on NAB: novelty against the series' own long history. A point scores by how far it
/// falls outside the range the series has covered over the last <c>window</c> points (in units of that range), or when
/// the series has been stuck on one exact value for longer than any earlier stretch (at least <c>run_min</c> points).
/// Emissions are suppressed for <c>suppress</c> points after each one unless <c>suppress_ratio</c> times stronger,
/// so an incident yields one detection rather than a plateau.
/// </summary>
/// <remarks>
/// Memory is a few KB per series: the history is kept as per-block minima and maxima, so the window slides by blocks.
/// A repeat of an earlier incident of the same size is, by design, not news: it scores 0.
/// </remarks>
internal sealed class VigilDetector : IStreamingDetector
{
    public const string DetectorName = "vigil";

    // Note: the novelty a stuck-value detection counts as (a tenth of the range), i.e. a score of 0.5 at the default half.
    private const double RunNovelty = 0.1;

    private readonly int _window;
    private readonly int _block;
    private readonly int _suppress;
    private readonly double _suppressRatio;
    private readonly int _minPoints;
    private readonly int _runMin;
    private readonly double _half;
    private readonly NoveltyTrack _values;
    private readonly NoveltyTrack _runs;
    private double _previous = double.NaN;
    private int _run;
    private bool _runReported;
    private double _lastOutput;
    private long _sinceOutput = long.MaxValue / 2;

    public VigilDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _window = p.Int("window", 10_000, 10, 10_000_000);
        _block = p.Int("block", 100, 1, 100_000);
        _suppress = p.Int("suppress", 120, 0, 1_000_000);
        _suppressRatio = p.Double("suppress_ratio", 3, 1, 1e9);
        _minPoints = p.Int("min_points", 300, 2, 10_000_000);
        _runMin = p.Int("run_min", 40, 1, 10_000_000);
        _half = p.Double("half_score_novelty", 0.1, 1e-6, 1000);
        p.EnsureAllUsed();
        _values = new NoveltyTrack(_window, _block);
        _runs = new NoveltyTrack(_window, _block);
    }

    public string Name => DetectorName;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        bool ready = _values.Seen >= _minPoints;
        double novelty = ready ? _values.Novelty(value) : 0;
        _values.Add(value);

        if (value == _previous)
        {
            _run++;
        }
        else
        {
            // Note: runs of length 0 are recorded too, so a series that never repeats a value has a longest run of 0.
            _runs.Add(_run);
            _run = 0;
            _runReported = false;
        }
        _previous = value;
        if (ready && !_runReported && _run >= _runMin && _runs.Novelty(_run, down: false) > 0)
        {
            _runReported = true;
            novelty = Math.Max(novelty, RunNovelty);
        }

        double score = ready ? Tail.Ratio(novelty, _half) : 0;
        double bar = _sinceOutput < _suppress ? Math.Min(1.0, _lastOutput * _suppressRatio) : 0;
        _sinceOutput++;
        if (score > bar)
        {
            _lastOutput = score;
            _sinceOutput = 0;
            return score;
        }
        return 0;
    }

    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_window);
        w.Write(_block);
        w.Write(_suppress);
        w.Write(_suppressRatio);
        w.Write(_minPoints);
        w.Write(_runMin);
        w.Write(_half);
        _values.Write(w);
        _runs.Write(w);
        w.Write(_previous);
        w.Write(_run);
        w.Write(_runReported);
        w.Write(_lastOutput);
        w.Write(_sinceOutput);
        return w.ToArray();
    }

    public static VigilDetector Load(StateReader r)
    {
        var d = new VigilDetector(new Dictionary<string, double>
        {
            ["window"] = r.ReadInt(),
            ["block"] = r.ReadInt(),
            ["suppress"] = r.ReadInt(),
            ["suppress_ratio"] = r.ReadDouble(),
            ["min_points"] = r.ReadInt(),
            ["run_min"] = r.ReadInt(),
            ["half_score_novelty"] = r.ReadDouble(),
        });
        d._values.Read(r);
        d._runs.Read(r);
        d._previous = r.ReadDouble();
        d._run = r.ReadInt();
        d._runReported = r.ReadBool();
        d._lastOutput = r.ReadDouble();
        d._sinceOutput = r.ReadLong();
        return d;
    }
}
