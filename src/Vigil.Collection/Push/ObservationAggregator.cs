using Vigil.Core.Exposition;
using Vigil.Core.Labels;

namespace Vigil.Collection.Push;

/// <summary>
/// Turns pushed Histogram and Summary observations into cumulative Prometheus series, as a client library would:
/// <c>NAME_bucket{le}</c> (Prometheus's default buckets), <c>NAME_sum</c> and <c>NAME_count</c> for a histogram;
/// <c>NAME_sum</c> and <c>NAME_count</c> for a summary.
/// </summary>
/// <remarks>
/// State lives in memory: after a restart the series start again from zero, which <c>rate()</c> treats as a counter
/// reset. A batch works on copies (<see cref="Begin"/>) that become current only on <see cref="Batch.Commit"/>, so a
/// rejected batch leaves the totals unchanged. Thread-safe: batches are serialized.
/// </remarks>
internal sealed class ObservationAggregator
{
    /// <summary>Prometheus client libraries' default histogram buckets (upper bounds, seconds).</summary>
    public static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly string[] BucketLabels = [.. DefaultBuckets.Select(static b => HistogramBuckets.FormatBound(b, openMetrics: true)), "+Inf"];

    private readonly Dictionary<LabelSet, State> _states = new();
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Starts a batch; dispose it (after <see cref="Batch.Commit"/> or not) to let the next batch in.</summary>
    public async Task<Batch> BeginAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        return new Batch(this);
    }

    /// <summary>Starts a batch synchronously (tests).</summary>
    public Batch Begin()
    {
        _lock.Wait();
        return new Batch(this);
    }

    /// <summary>The cumulative totals of one histogram or summary series.</summary>
    private sealed class State(int buckets)
    {
        public readonly double[] Buckets = new double[buckets];

        public double Count;

        public double Sum;

        public State Clone()
        {
            var c = new State(Buckets.Length) { Count = Count, Sum = Sum };
            Buckets.CopyTo(c.Buckets, 0);
            return c;
        }
    }

    /// <summary>The observations of one push batch.</summary>
    internal sealed class Batch(ObservationAggregator owner) : IDisposable
    {
        private readonly Dictionary<LabelSet, State> _changed = new();
        private bool _disposed;

        /// <summary>
        /// Records one observation of the series <paramref name="labels"/> (without <c>__name__</c>) of
        /// <paramref name="metric"/> and returns the samples to append: name/labels and cumulative values.
        /// </summary>
        public List<(LabelSet Labels, double Value)> Observe(string metric, LabelSet labels, bool histogram, double value)
        {
            var key = new LabelSetBuilder(labels).Set(LabelSet.MetricName, metric + (histogram ? ":histogram" : ":summary")).Build();
            if (!_changed.TryGetValue(key, out var state))
            {
                state = owner._states.TryGetValue(key, out var current) ? current.Clone() : new State(histogram ? BucketLabels.Length : 0);
                _changed[key] = state;
            }
            state.Count++;
            state.Sum += value;
            var samples = new List<(LabelSet, double)>(histogram ? BucketLabels.Length + 2 : 2);
            var b = new LabelSetBuilder(labels);
            if (histogram)
            {
                for (int i = 0; i < BucketLabels.Length; i++)
                {
                    if (i == DefaultBuckets.Length || value <= DefaultBuckets[i])
                    {
                        state.Buckets[i]++;
                    }
                    samples.Add((b.Set(LabelSet.MetricName, metric + "_bucket").Set("le", BucketLabels[i]).Build(), state.Buckets[i]));
                }
                b.Set("le", string.Empty);
            }
            samples.Add((b.Set(LabelSet.MetricName, metric + "_sum").Build(), state.Sum));
            samples.Add((b.Set(LabelSet.MetricName, metric + "_count").Build(), state.Count));
            return samples;
        }

        /// <summary>Makes the batch's totals current.</summary>
        public void Commit()
        {
            foreach (var (key, state) in _changed)
            {
                owner._states[key] = state;
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                owner._lock.Release();
            }
        }
    }
}
