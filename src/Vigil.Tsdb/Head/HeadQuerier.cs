using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Tsdb.Head;

/// <summary>Reads head series over an inclusive time range.</summary>
internal sealed class HeadQuerier : IQuerier
{
    private readonly Head _head;

    public HeadQuerier(Head head, long mint, long maxt)
    {
        _head = head;
        MinTime = mint;
        MaxTime = maxt;
    }

    public long MinTime { get; }

    public long MaxTime { get; }

    public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
    {
        var series = _head.Select(matchers);
        if (sortSeries)
        {
            series.Sort(static (a, b) => LabelSet.Compare(a.Labels, b.Labels));
        }
        return new HeadSeriesSet(series, MinTime, MaxTime);
    }

    public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers)
    {
        if (matchers.Length == 0)
        {
            var all = _head.Postings.LabelValues(name).ToList();
            all.Sort(StringComparer.Ordinal);
            return all;
        }
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in _head.Select(matchers))
        {
            bool overlaps;
            using (s.Acquire())
            {
                overlaps = s.Overlaps(MinTime, MaxTime);
            }
            string v = s.Labels.Get(name);
            if (overlaps && v.Length != 0)
            {
                set.Add(v);
            }
        }
        return [.. set];
    }

    public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers)
    {
        if (matchers.Length == 0)
        {
            var all = _head.Postings.LabelNames().ToList();
            all.Sort(StringComparer.Ordinal);
            return all;
        }
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in _head.Select(matchers))
        {
            bool overlaps;
            using (s.Acquire())
            {
                overlaps = s.Overlaps(MinTime, MaxTime);
            }
            if (overlaps)
            {
                foreach (var l in s.Labels.AsSpan())
                {
                    set.Add(l.Name);
                }
            }
        }
        return [.. set];
    }

    public void Dispose()
    {
    }

    private sealed class HeadSeriesSet(List<MemSeries> series, long mint, long maxt) : ISeriesSet
    {
        private int _i = -1;
        private HeadSeries? _current;

        public ISeries Current => _current!;

        public Exception? Error => null;

        public IReadOnlyList<string> Warnings => [];

        public bool MoveNext()
        {
            while (++_i < series.Count)
            {
                var s = series[_i];
                var views = new List<ChunkView>(2);
                using (s.Acquire())
                {
                    s.Snapshot(mint, maxt, views);
                }
                if (views.Count > 0)
                {
                    _current = new HeadSeries(s.Labels, views.ToArray(), mint, maxt);
                    return true;
                }
            }
            return false;
        }
    }
}

/// <summary>A head series snapshot: chunk views taken at selection time.</summary>
internal sealed class HeadSeries(LabelSet labels, ChunkView[] chunks, long mint, long maxt) : ISeries
{
    public LabelSet Labels { get; } = labels;

    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        var it = reuse as ChunkViewIterator ?? new ChunkViewIterator();
        it.Reset(chunks, mint, maxt);
        return it;
    }
}
