using Vigil.Core.Labels;

namespace Vigil.Core.Storage;

/// <summary>
/// Combines several queriers (head and blocks, or local and remote) into one. Series with equal labels from
/// different queriers become one series whose samples are merged by timestamp; for equal timestamps the sample from
/// the querier listed first wins.
/// </summary>
/// <remarks>Same thread-safety as <see cref="IQuerier"/>. Disposing the merge querier disposes all inner queriers.</remarks>
public sealed class MergeQuerier : IQuerier
{
    private readonly IQuerier[] _queriers;

    /// <summary>Creates a merge over <paramref name="queriers"/>; takes ownership of them.</summary>
    public MergeQuerier(IReadOnlyList<IQuerier> queriers)
    {
        _queriers = [.. queriers];
        MinTime = _queriers.Length == 0 ? 0 : _queriers.Min(q => q.MinTime);
        MaxTime = _queriers.Length == 0 ? 0 : _queriers.Max(q => q.MaxTime);
    }

    /// <inheritdoc />
    public long MinTime { get; }

    /// <inheritdoc />
    public long MaxTime { get; }

    /// <inheritdoc />
    public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
    {
        if (_queriers.Length == 1)
        {
            return _queriers[0].Select(sortSeries, hints, matchers);
        }
        // Note: merging needs sorted inputs, so every inner select is sorted regardless of the caller's wish.
        var sets = new ISeriesSet[_queriers.Length];
        for (int i = 0; i < sets.Length; i++)
        {
            sets[i] = _queriers[i].Select(true, hints, matchers);
        }
        return new MergeSeriesSet(sets);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers)
        => MergeSorted(_queriers.Select(q => q.LabelValues(name, matchers)));

    /// <inheritdoc />
    public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers)
        => MergeSorted(_queriers.Select(q => q.LabelNames(matchers)));

    private static List<string> MergeSorted(IEnumerable<IReadOnlyList<string>> lists)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var l in lists)
        {
            set.UnionWith(l);
        }
        return [.. set];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var q in _queriers)
        {
            q.Dispose();
        }
    }

    /// <summary>K-way merge of sorted series sets by labels.</summary>
    private sealed class MergeSeriesSet : ISeriesSet
    {
        private readonly ISeriesSet[] _sets;
        private readonly bool[] _has;
        private readonly List<string> _warnings = new();
        private ISeries? _current;
        private bool _started;

        public MergeSeriesSet(ISeriesSet[] sets)
        {
            _sets = sets;
            _has = new bool[sets.Length];
        }

        public ISeries Current => _current!;

        public Exception? Error { get; private set; }

        public IReadOnlyList<string> Warnings
        {
            get
            {
                _warnings.Clear();
                foreach (var s in _sets)
                {
                    _warnings.AddRange(s.Warnings);
                }
                return _warnings;
            }
        }

        public bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                for (int i = 0; i < _sets.Length; i++)
                {
                    Advance(i);
                }
            }
            else
            {
                // Advance every set that contributed to the previous series.
                for (int i = 0; i < _sets.Length; i++)
                {
                    if (_has[i] && _contributed[i])
                    {
                        Advance(i);
                    }
                }
            }
            if (Error is not null)
            {
                return false;
            }
            LabelSet? min = null;
            for (int i = 0; i < _sets.Length; i++)
            {
                if (_has[i] && (min is null || LabelSet.Compare(_sets[i].Current.Labels, min) < 0))
                {
                    min = _sets[i].Current.Labels;
                }
            }
            if (min is null)
            {
                return false;
            }
            var parts = new List<ISeries>(2);
            for (int i = 0; i < _sets.Length; i++)
            {
                _contributed[i] = _has[i] && _sets[i].Current.Labels.Equals(min);
                if (_contributed[i])
                {
                    parts.Add(_sets[i].Current);
                }
            }
            _current = parts.Count == 1 ? parts[0] : new ChainedSeries(min, parts);
            return true;
        }

        private bool[] _contributed => _contributedStore ??= new bool[_sets.Length];

        private bool[]? _contributedStore;

        private void Advance(int i)
        {
            _has[i] = _sets[i].MoveNext();
            if (!_has[i] && _sets[i].Error is not null)
            {
                Error ??= _sets[i].Error;
            }
        }
    }
}

/// <summary>One series whose samples come from several sources with the same labels, merged by timestamp.</summary>
public sealed class ChainedSeries(LabelSet labels, IReadOnlyList<ISeries> parts) : ISeries
{
    /// <inheritdoc />
    public LabelSet Labels { get; } = labels;

    /// <inheritdoc />
    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        // Note: reusing the merging iterator also hands each part its previous iterator, so a query walking thousands
        // of chained series allocates no iterators after the first.
        var it = reuse as MergingIterator ?? new MergingIterator();
        it.Reset(parts);
        return it;
    }

    /// <summary>
    /// Merges sorted iterators; on equal timestamps the earliest iterator wins, the others skip it. Each part's current
    /// timestamp and the chosen sample are cached, so a step costs one inner <c>Next</c> and a few comparisons.
    /// </summary>
    private sealed class MergingIterator : ISampleIterator
    {
        private ISampleIterator?[] _its = [];
        private long[] _ts = [];
        private bool[] _has = [];
        private int _count;
        private bool _started;
        private int _cur = -1;
        private long _t;
        private double _v;

        public void Reset(IReadOnlyList<ISeries> parts)
        {
            _count = parts.Count;
            if (_its.Length < _count)
            {
                Array.Resize(ref _its, _count);
                _ts = new long[_count];
                _has = new bool[_count];
            }
            for (int i = 0; i < _count; i++)
            {
                _its[i] = parts[i].Iterator(_its[i]);
            }
            _started = false;
            _cur = -1;
            Error = null;
        }

        public long T => _t;

        public double V => _v;

        public Exception? Error { get; private set; }

        public bool Next()
        {
            if (!_started)
            {
                _started = true;
                for (int i = 0; i < _count; i++)
                {
                    Load(i, _its[i]!.Next());
                }
            }
            else if (_cur >= 0)
            {
                long prev = _t;
                for (int i = 0; i < _count; i++)
                {
                    if (_has[i] && _ts[i] == prev)
                    {
                        Load(i, _its[i]!.Next());
                    }
                }
            }
            return Pick();
        }

        public bool Seek(long t)
        {
            if (_started && _cur >= 0 && _t >= t)
            {
                return true;
            }
            _started = true;
            for (int i = 0; i < _count; i++)
            {
                Load(i, _its[i]!.Seek(t));
            }
            return Pick();
        }

        private void Load(int i, bool has)
        {
            _has[i] = has;
            if (has)
            {
                _ts[i] = _its[i]!.T;
            }
            else if (_its[i]!.Error is { } e)
            {
                Error ??= e;
            }
        }

        private bool Pick()
        {
            _cur = -1;
            if (Error is not null)
            {
                return false;
            }
            for (int i = 0; i < _count; i++)
            {
                if (_has[i] && (_cur < 0 || _ts[i] < _ts[_cur]))
                {
                    _cur = i;
                }
            }
            if (_cur < 0)
            {
                return false;
            }
            _t = _ts[_cur];
            _v = _its[_cur]!.V;
            return true;
        }
    }
}
