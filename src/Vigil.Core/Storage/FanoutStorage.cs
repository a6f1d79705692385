using Vigil.Core.Labels;

namespace Vigil.Core.Storage;

/// <summary>
/// A primary storage (the embedded TSDB) and a secondary one (a remote store) as one, as Prometheus's fanout storage:
/// queriers merge both (for equal timestamps the primary's sample wins); appends go to both. The primary decides: its
/// failures fail the read or the commit; a failing secondary becomes a warning on reads and a call of the error handler
/// on commits, so the local store keeps working while the remote is away.
/// </summary>
/// <remarks>Thread-safe. Disposing it disposes both storages (the primary first) when they are disposable.</remarks>
public sealed class FanoutStorage : IStorage, IAsyncDisposable
{
    private readonly IStorage _primary;
    private readonly IStorage _secondary;
    private readonly Action<Exception> _onSecondaryWriteError;

    /// <summary>Combines <paramref name="primary"/> and <paramref name="secondary"/>; <paramref name="onSecondaryWriteError"/> hears of failed secondary commits.</summary>
    public FanoutStorage(IStorage primary, IStorage secondary, Action<Exception> onSecondaryWriteError)
    {
        _primary = primary;
        _secondary = secondary;
        _onSecondaryWriteError = onSecondaryWriteError;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var s in new[] { _primary, _secondary })
        {
            if (s is IAsyncDisposable a)
            {
                await a.DisposeAsync().ConfigureAwait(false);
            }
            else if (s is IDisposable d)
            {
                d.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public long StartTime => Math.Min(_primary.StartTime, _secondary.StartTime);

    /// <inheritdoc />
    public IAppender Appender() => new FanoutAppender(_primary.Appender(), _secondary.Appender(), _onSecondaryWriteError);

    /// <inheritdoc />
    public IQuerier Querier(long mint, long maxt)
    {
        var primary = _primary.Querier(mint, maxt);
        try
        {
            return new MergeQuerier([primary, new SecondaryQuerier(_secondary.Querier(mint, maxt))]);
        }
        catch (StorageException e)
        {
            return new MergeQuerier([primary, new FailedQuerier(mint, maxt, e.Message)]);
        }
    }

    private sealed class FanoutAppender(IAppender primary, IAppender secondary, Action<Exception> onError) : IAppender
    {
        public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
        {
            if (!primary.TryAppend(ref seriesRef, labels, timestampMs, value, out error))
            {
                return false;
            }
            // Note: the secondary keeps no references of its own; the primary's reference is what the caller caches.
            var none = SeriesRef.None;
            secondary.TryAppend(ref none, labels, timestampMs, value, out _);
            return true;
        }

        public void Commit()
        {
            try
            {
                primary.Commit();
            }
            catch
            {
                secondary.Rollback();
                throw;
            }
            try
            {
                secondary.Commit();
            }
            catch (StorageException e)
            {
                onError(e);
            }
        }

        public void Rollback()
        {
            primary.Rollback();
            secondary.Rollback();
        }
    }

    /// <summary>The secondary's querier, whose failures become warnings instead of failed reads.</summary>
    private sealed class SecondaryQuerier(IQuerier inner) : IQuerier
    {
        public long MinTime => inner.MinTime;

        public long MaxTime => inner.MaxTime;

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
        {
            ISeriesSet set;
            try
            {
                set = inner.Select(sortSeries, hints, matchers);
            }
            catch (StorageException e)
            {
                return SeriesSets.FromList([], [e.Message]);
            }
            return new WarningSeriesSet(set);
        }

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers)
        {
            try
            {
                return inner.LabelValues(name, matchers);
            }
            catch (StorageException)
            {
                return [];
            }
        }

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers)
        {
            try
            {
                return inner.LabelNames(matchers);
            }
            catch (StorageException)
            {
                return [];
            }
        }

        public void Dispose() => inner.Dispose();
    }

    private sealed class WarningSeriesSet(ISeriesSet inner) : ISeriesSet
    {
        private List<string>? _warnings;

        public ISeries Current => inner.Current;

        public Exception? Error => null;

        public IReadOnlyList<string> Warnings => _warnings ?? inner.Warnings;

        public bool MoveNext()
        {
            if (inner.MoveNext())
            {
                return true;
            }
            if (inner.Error is { } e)
            {
                _warnings = [.. inner.Warnings, e.Message];
            }
            return false;
        }
    }

    private sealed class FailedQuerier(long mint, long maxt, string message) : IQuerier
    {
        public long MinTime => mint;

        public long MaxTime => maxt;

        public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers) => SeriesSets.FromList([], [message]);

        public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => [];

        public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => [];

        public void Dispose()
        {
        }
    }
}
