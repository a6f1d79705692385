using Vigil.Core.Histograms;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.PromQL.Testing;

/// <summary>
/// A storage view for the promqltest runner that adds a script's native histogram samples (kept in memory here) to the
/// float samples of the storage underneath. Series with both kinds read them merged in time order.
/// </summary>
internal sealed class HistogramOverlayStorage(IStorage inner, Dictionary<LabelSet, SortedDictionary<long, FloatHistogram>> histograms) : IStorage
{
    public long StartTime => inner.StartTime;

    public IAppender Appender() => inner.Appender();

    public IQuerier Querier(long mint, long maxt) => new OverlayQuerier(inner.Querier(mint, maxt), histograms, mint, maxt);

    private sealed class OverlayQuerier(IQuerier inner, Dictionary<LabelSet, SortedDictionary<long, FloatHistogram>> histograms, long mint, long maxt) : IQuerier
    {
        public long MinTime => inner.MinTime;

        public long MaxTime => inner.MaxTime;

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
        {
            var set = inner.Select(sortSeries, hints, matchers);
            var list = new List<ISeries>();
            var byLabels = new Dictionary<LabelSet, int>();
            while (set.MoveNext())
            {
                byLabels[set.Current.Labels] = list.Count;
                list.Add(set.Current);
            }
            if (set.Error is not null)
            {
                return SeriesSets.Failed(set.Error);
            }
            foreach (var (labels, samples) in histograms)
            {
                if (!Array.TrueForAll(matchers, m => m.Matches(labels.Get(m.Name))))
                {
                    continue;
                }
                var inRange = samples.Where(kv => kv.Key >= mint && kv.Key <= maxt).Select(kv => (kv.Key, kv.Value)).ToArray();
                if (inRange.Length == 0)
                {
                    continue;
                }
                if (byLabels.TryGetValue(labels, out int i))
                {
                    list[i] = new OverlaySeries(labels, list[i], inRange);
                }
                else
                {
                    list.Add(new OverlaySeries(labels, null, inRange));
                }
            }
            list.Sort(static (a, b) => LabelSet.Compare(a.Labels, b.Labels));
            return SeriesSets.FromList(list, set.Warnings);
        }

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => inner.LabelValues(name, matchers);

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => inner.LabelNames(matchers);

        public void Dispose() => inner.Dispose();
    }

    private sealed class OverlaySeries(LabelSet labels, ISeries? floats, (long T, FloatHistogram H)[] histograms) : ISeries
    {
        public LabelSet Labels => labels;

        public ISampleIterator Iterator(ISampleIterator? reuse = null) => new MergedIterator(floats?.Iterator(), histograms);
    }

    /// <summary>Floats and histograms of one series in time order; at an equal timestamp the histogram wins.</summary>
    private sealed class MergedIterator(ISampleIterator? floats, (long T, FloatHistogram H)[] histograms) : ISampleIterator
    {
        private int _h = -1;
        private bool _floatHas;
        private bool _floatStarted;
        private bool _onHistogram;

        public long T { get; private set; }

        public double V { get; private set; }

        public FloatHistogram? H => _onHistogram ? histograms[_h].H : null;

        public Exception? Error => floats?.Error;

        public bool Next()
        {
            if (!_floatStarted)
            {
                _floatStarted = true;
                _floatHas = floats?.Next() ?? false;
                _h = 0;
            }
            else if (_onHistogram)
            {
                if (_floatHas && floats!.T == histograms[_h].T)
                {
                    _floatHas = floats.Next();
                }
                _h++;
            }
            else
            {
                _floatHas = floats!.Next();
            }
            return Settle();
        }

        private bool Settle()
        {
            bool hasH = _h < histograms.Length;
            if (!hasH && !_floatHas)
            {
                _onHistogram = false;
                return false;
            }
            if (hasH && (!_floatHas || histograms[_h].T <= floats!.T))
            {
                _onHistogram = true;
                T = histograms[_h].T;
                V = 0;
                return true;
            }
            _onHistogram = false;
            T = floats!.T;
            V = floats.V;
            return true;
        }

        public bool Seek(long t)
        {
            if (_floatStarted && (_onHistogram || _floatHas) && T >= t)
            {
                return true;
            }
            while (Next())
            {
                if (T >= t)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
