using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.PromQL.Tests;

/// <summary>A small in-memory storage for engine tests: series keyed by labels, samples kept sorted by time.</summary>
internal sealed class MemoryStorage : IStorage
{
    private readonly object _lock = new();
    private readonly Dictionary<LabelSet, SortedList<long, double>> _series = new();

    public long StartTime
    {
        get
        {
            lock (_lock)
            {
                long min = long.MaxValue;
                foreach (var s in _series.Values)
                {
                    if (s.Count > 0)
                    {
                        min = Math.Min(min, s.Keys[0]);
                    }
                }
                return min;
            }
        }
    }

    public IAppender Appender() => new MemoryAppender(this);

    public IQuerier Querier(long mint, long maxt) => new MemoryQuerier(this, mint, maxt);

    private sealed class MemoryAppender(MemoryStorage storage) : IAppender
    {
        private readonly List<(LabelSet Labels, long T, double V)> _pending = new();

        public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
        {
            error = AppendError.None;
            _pending.Add((labels, timestampMs, value));
            return true;
        }

        public void Commit()
        {
            lock (storage._lock)
            {
                foreach (var (labels, t, v) in _pending)
                {
                    if (!storage._series.TryGetValue(labels, out var samples))
                    {
                        samples = new SortedList<long, double>();
                        storage._series.Add(labels, samples);
                    }
                    samples[t] = v;
                }
            }
            _pending.Clear();
        }

        public void Rollback() => _pending.Clear();
    }

    private sealed class MemoryQuerier(MemoryStorage storage, long mint, long maxt) : IQuerier
    {
        public long MinTime => mint;

        public long MaxTime => maxt;

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
        {
            var result = new List<ISeries>();
            lock (storage._lock)
            {
                foreach (var (labels, samples) in storage._series)
                {
                    if (!Array.TrueForAll(matchers, m => m.Matches(labels.Get(m.Name))))
                    {
                        continue;
                    }
                    var inRange = new List<Sample>();
                    foreach (var (t, v) in samples)
                    {
                        if (t >= mint && t <= maxt)
                        {
                            inRange.Add(new Sample(t, v));
                        }
                    }
                    if (inRange.Count > 0)
                    {
                        result.Add(new ListSeries(labels, inRange));
                    }
                }
            }
            if (sortSeries)
            {
                result.Sort((a, b) => LabelSet.Compare(a.Labels, b.Labels));
            }
            return SeriesSets.FromList(result);
        }

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers)
        {
            lock (storage._lock)
            {
                return storage._series.Keys
                    .Where(l => Array.TrueForAll(matchers, m => m.Matches(l.Get(m.Name))))
                    .Select(l => l.Get(name)).Where(v => v.Length != 0).Distinct().Order(StringComparer.Ordinal).ToList();
            }
        }

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers)
        {
            lock (storage._lock)
            {
                return storage._series.Keys
                    .Where(l => Array.TrueForAll(matchers, m => m.Matches(l.Get(m.Name))))
                    .SelectMany(l => l.Select(x => x.Name)).Distinct().Order(StringComparer.Ordinal).ToList();
            }
        }

        public void Dispose()
        {
        }
    }
}
