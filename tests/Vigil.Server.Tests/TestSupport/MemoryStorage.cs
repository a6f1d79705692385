using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// A small in-memory <see cref="IStorage"/> for API and collector tests (commit visibility, out-of-order and duplicate
/// refusal), built on Core's <see cref="ListSeries"/>.
/// </summary>
internal sealed class MemoryStorage : IStorage
{
    private readonly object _lock = new();
    private readonly Dictionary<LabelSet, List<Sample>> _series = new();

    public int Commits { get; private set; }

    public int Rollbacks { get; private set; }

    public long StartTime
    {
        get
        {
            lock (_lock)
            {
                long min = long.MaxValue;
                foreach (var s in _series.Values)
                {
                    min = Math.Min(min, s[0].T);
                }
                return min;
            }
        }
    }

    public IAppender Appender() => new MemoryAppender(this);

    public IQuerier Querier(long mint, long maxt)
    {
        lock (_lock)
        {
            var copy = _series.Select(kv => (kv.Key, kv.Value.ToList())).ToList();
            return new MemoryQuerier(mint, maxt, copy);
        }
    }

    /// <summary>All committed samples of the series with exactly these labels.</summary>
    public List<Sample> SamplesOf(LabelSet labels)
    {
        lock (_lock)
        {
            return _series.TryGetValue(labels, out var s) ? [.. s] : [];
        }
    }

    /// <summary>All committed series labels.</summary>
    public List<LabelSet> AllSeries()
    {
        lock (_lock)
        {
            return [.. _series.Keys];
        }
    }

    private sealed class MemoryAppender(MemoryStorage storage) : IAppender
    {
        private readonly List<(LabelSet Labels, Sample Sample)> _pending = new();
        private bool _done;

        public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
        {
            if (LabelValidation.Validate(labels) is not null)
            {
                error = AppendError.InvalidLabels;
                return false;
            }
            lock (storage._lock)
            {
                long last = long.MinValue;
                double lastValue = double.NaN;
                if (storage._series.TryGetValue(labels, out var s) && s.Count > 0)
                {
                    last = s[^1].T;
                    lastValue = s[^1].V;
                }
                foreach (var (l, p) in _pending)
                {
                    if (l == labels && p.T >= last)
                    {
                        last = p.T;
                        lastValue = p.V;
                    }
                }
                if (timestampMs < last)
                {
                    error = AppendError.OutOfOrder;
                    return false;
                }
                if (timestampMs == last && BitConverter.DoubleToInt64Bits(value) != BitConverter.DoubleToInt64Bits(lastValue))
                {
                    error = AppendError.DuplicateTimestamp;
                    return false;
                }
            }
            _pending.Add((labels, new Sample(timestampMs, value)));
            seriesRef = new SeriesRef((ulong)labels.Hash | 1);
            error = AppendError.None;
            return true;
        }

        public void Commit()
        {
            if (_done)
            {
                throw new InvalidOperationException("appender already finished");
            }
            _done = true;
            lock (storage._lock)
            {
                foreach (var (labels, sample) in _pending)
                {
                    if (!storage._series.TryGetValue(labels, out var list))
                    {
                        storage._series[labels] = list = new List<Sample>();
                    }
                    if (list.Count == 0 || list[^1].T < sample.T)
                    {
                        list.Add(sample);
                    }
                }
                storage.Commits++;
            }
        }

        public void Rollback()
        {
            _done = true;
            lock (storage._lock)
            {
                storage.Rollbacks++;
            }
        }
    }

    private sealed class MemoryQuerier(long mint, long maxt, List<(LabelSet Labels, List<Sample> Samples)> series) : IQuerier
    {
        public long MinTime => mint;

        public long MaxTime => maxt;

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
        {
            var result = new List<ISeries>();
            foreach (var (labels, samples) in Matching(matchers))
            {
                var inRange = samples.Where(s => s.T >= mint && s.T <= maxt).ToList();
                if (inRange.Count > 0)
                {
                    result.Add(new ListSeries(labels, inRange));
                }
            }
            result.Sort((a, b) => LabelSet.Compare(a.Labels, b.Labels));
            return SeriesSets.FromList(result);
        }

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers)
            => Matching(matchers).Select(s => s.Labels.Get(name)).Where(v => v.Length > 0).Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList();

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers)
            => Matching(matchers).SelectMany(s => s.Labels.Select(l => l.Name)).Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList();

        public void Dispose()
        {
        }

        private IEnumerable<(LabelSet Labels, List<Sample> Samples)> Matching(LabelMatcher[] matchers)
            => series.Where(s => s.Samples.Any(x => x.T >= mint && x.T <= maxt) && matchers.All(m => m.Matches(s.Labels.Get(m.Name))));
    }
}
