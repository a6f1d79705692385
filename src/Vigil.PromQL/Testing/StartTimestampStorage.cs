using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.PromQL.Testing;

/// <summary>
/// A storage view that adds the start timestamps of a script's <c>@st</c> load lines to the series of the storage
/// underneath (which keeps no start timestamps), for the promqltest runner.
/// </summary>
internal sealed class StartTimestampStorage(IStorage inner, Dictionary<LabelSet, Dictionary<long, long>> startTimes) : IStorage
{
    public long StartTime => inner.StartTime;

    public IAppender Appender() => inner.Appender();

    public IQuerier Querier(long mint, long maxt) => new StQuerier(inner.Querier(mint, maxt), startTimes);

    private sealed class StQuerier(IQuerier inner, Dictionary<LabelSet, Dictionary<long, long>> startTimes) : IQuerier
    {
        public long MinTime => inner.MinTime;

        public long MaxTime => inner.MaxTime;

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
            => new StSeriesSet(inner.Select(sortSeries, hints, matchers), startTimes);

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => inner.LabelValues(name, matchers);

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => inner.LabelNames(matchers);

        public void Dispose() => inner.Dispose();
    }

    private sealed class StSeriesSet(ISeriesSet inner, Dictionary<LabelSet, Dictionary<long, long>> startTimes) : ISeriesSet
    {
        private ISeries? _current;

        public ISeries Current => _current!;

        public Exception? Error => inner.Error;

        public IReadOnlyList<string> Warnings => inner.Warnings;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                return false;
            }
            var s = inner.Current;
            _current = startTimes.TryGetValue(s.Labels, out var st) ? new StSeries(s, st) : s;
            return true;
        }
    }

    private sealed class StSeries(ISeries inner, Dictionary<long, long> startTimes) : IStartTimestampSeries
    {
        public LabelSet Labels => inner.Labels;

        public ISampleIterator Iterator(ISampleIterator? reuse = null) => inner.Iterator(reuse);

        public long StartTimestampAt(long t) => startTimes.TryGetValue(t, out long st) ? st : 0;
    }
}
