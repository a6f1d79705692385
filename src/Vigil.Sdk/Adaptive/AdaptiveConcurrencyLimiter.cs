using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Adaptive;

/// <summary>
/// A <see cref="RateLimiter"/> that admits up to an adaptive number of concurrent requests: the limit is set by a
/// <see cref="ConcurrencyLimitAlgorithm"/> (<see cref="Gradient2Limit"/> by default, or <see cref="AimdLimit"/>) from
/// the round-trip time and outcome of every completed request, as Netflix's concurrency-limits does.
/// </summary>
/// <remarks>
/// <para>Thread-safe. Permits are taken one request at a time: <c>permitCount</c> must be 1 (or 0 to ask whether one
/// is available). A request beyond the limit is rejected at once, or with <see cref="AdaptiveConcurrencyLimiterOptions.QueueLimit"/>
/// it waits in a FIFO queue for a permit. A limit that falls below the requests in flight takes nothing back: new
/// requests wait until enough of them finish.</para>
/// <para>Metrics (meter <see cref="AdaptiveConcurrencyLimiterOptions.MeterName"/>, tag <c>limiter</c>):
/// <c>vigil.limiter.limit</c>, <c>vigil.limiter.inflight</c>, <c>vigil.limiter.queued</c> gauges,
/// <c>vigil.limiter.requests</c> counter by <c>status</c> (success, dropped, ignored, rejected, as Netflix tags them), and for Gradient2
/// <c>vigil.limiter.baseline_rtt</c> (seconds).</para>
/// </remarks>
public sealed class AdaptiveConcurrencyLimiter : RateLimiter
{
    private static readonly AdaptiveConcurrencyLease Rejected = new(false, null, 0, 0);

    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _queue = new();
    private readonly TimeProvider _time;
    private readonly int _queueLimit;
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly KeyValuePair<string, object?> _nameTag;
    private int _inflight;
    private long _successful;
    private long _failed;
    private long _idleSince;
    private bool _disposed;

    /// <summary>Creates a limiter with <paramref name="options"/> (Gradient2 with Netflix's defaults, no queue, when null).</summary>
    public AdaptiveConcurrencyLimiter(AdaptiveConcurrencyLimiterOptions? options = null)
    {
        options ??= new AdaptiveConcurrencyLimiterOptions();
        if (options.QueueLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.QueueLimit, "AdaptiveConcurrencyLimiterOptions.QueueLimit must not be negative.");
        }
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        Name = options.Name;
        Algorithm = options.Algorithm ?? new Gradient2Limit();
        _time = options.TimeProvider;
        _queueLimit = options.QueueLimit;
        _idleSince = _time.GetTimestamp();
        _meter = AdaptiveMetrics.CreateMeter(options.MeterName, Name, "limiter");
        _nameTag = new KeyValuePair<string, object?>("limiter", Name);
        _meter.CreateObservableGauge("vigil.limiter.limit", () => new Measurement<int>(Algorithm.Limit, _nameTag), description: "Concurrency limit in force.");
        _meter.CreateObservableGauge("vigil.limiter.inflight", () => new Measurement<int>(Volatile.Read(ref _inflight), _nameTag), description: "Requests holding a permit.");
        _meter.CreateObservableGauge("vigil.limiter.queued", () => new Measurement<int>(QueuedCount, _nameTag), description: "Requests waiting for a permit.");
        _requests = _meter.CreateCounter<long>("vigil.limiter.requests", description: "Requests by status: success, dropped, ignored, rejected.");
        if (Algorithm is Gradient2Limit gradient)
        {
            _meter.CreateObservableGauge("vigil.limiter.baseline_rtt", () => new Measurement<double>(gradient.BaselineRtt.TotalSeconds, _nameTag), unit: "s",
                description: "Gradient2's long-term average round-trip time.");
        }
    }

    /// <summary>The name in metrics and the prefix of the tunables.</summary>
    public string Name { get; }

    /// <summary>The algorithm setting the limit.</summary>
    public ConcurrencyLimitAlgorithm Algorithm { get; }

    /// <summary>The limit in force.</summary>
    public int Limit => Algorithm.Limit;

    /// <summary>Requests holding a permit.</summary>
    public int Inflight => Volatile.Read(ref _inflight);

    /// <summary>The meter of the limiter's instruments.</summary>
    public Meter Meter => _meter;

    /// <inheritdoc />
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                return _inflight == 0 ? _time.GetElapsedTime(_idleSince) : null;
            }
        }
    }

    private int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Registers the algorithm's knobs as tunables prefixed with <see cref="Name"/> (e.g. <c>limiter.max_limit</c>).</summary>
    public void RegisterTunables(TunableRegistry registry) => Algorithm.RegisterTunables(registry, Name);

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = Math.Max(0, Algorithm.Limit - _inflight),
                CurrentQueuedCount = _queue.Count,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        CheckPermitCount(permitCount);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _inflight < Algorithm.Limit && _queue.Count == 0 ? Admit(take: permitCount == 1) : Reject();
        }
    }

    /// <inheritdoc />
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        CheckPermitCount(permitCount);
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_inflight < Algorithm.Limit && _queue.Count == 0)
            {
                return new ValueTask<RateLimitLease>(Admit(take: permitCount == 1));
            }
            if (permitCount == 0 || _queue.Count >= _queueLimit)
            {
                return new ValueTask<RateLimitLease>(Reject());
            }
            waiter = new Waiter();
            waiter.Node = _queue.AddLast(waiter);
        }
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, ct) => ((AdaptiveConcurrencyLimiter)((object[])state!)[0]).Cancel((Waiter)((object[])state!)[1], ct), new object[] { this, waiter });
        }
        return new ValueTask<RateLimitLease>(waiter.Completion.Task);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        List<Waiter> waiting;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            waiting = [.. _queue];
            _queue.Clear();
        }
        foreach (var w in waiting)
        {
            w.Registration.Dispose();
            w.Completion.TrySetResult(Rejected);
        }
        _meter.Dispose();
    }

    /// <inheritdoc />
    protected override ValueTask DisposeAsyncCore()
    {
        Dispose(true);
        return ValueTask.CompletedTask;
    }

    /// <summary>Ends a leased request: frees its permit, feeds the algorithm, admits waiting requests.</summary>
    internal void Release(long startTimestamp, int inflightAtStart, AdaptiveConcurrencyLease.LeaseOutcome outcome)
    {
        var rtt = _time.GetElapsedTime(startTimestamp);
        _requests.Add(1, _nameTag, new KeyValuePair<string, object?>("status", outcome switch
        {
            AdaptiveConcurrencyLease.LeaseOutcome.Dropped => "dropped",
            AdaptiveConcurrencyLease.LeaseOutcome.Ignored => "ignored",
            _ => "success",
        }));
        if (outcome != AdaptiveConcurrencyLease.LeaseOutcome.Ignored)
        {
            Algorithm.OnSample(rtt, inflightAtStart, outcome == AdaptiveConcurrencyLease.LeaseOutcome.Dropped);
        }
        List<(Waiter Waiter, AdaptiveConcurrencyLease Lease)>? admitted = null;
        lock (_lock)
        {
            _inflight--;
            if (_inflight == 0)
            {
                _idleSince = _time.GetTimestamp();
            }
            while (_queue.First is { } first && _inflight < Algorithm.Limit)
            {
                _queue.RemoveFirst();
                (admitted ??= new()).Add((first.Value, Admit(take: true)));
            }
        }
        if (admitted is null)
        {
            return;
        }
        foreach (var (waiter, lease) in admitted)
        {
            waiter.Registration.Dispose();
            if (!waiter.Completion.TrySetResult(lease))
            {
                // Note: cancelled at the same moment; hand the permit back instead of leaking it.
                lease.Ignore();
                lease.Dispose();
            }
        }
    }

    private static void CheckPermitCount(int permitCount)
    {
        if (permitCount is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, "an adaptive concurrency limiter leases one permit per request (permitCount 1, or 0 to test availability)");
        }
    }

    private AdaptiveConcurrencyLease Admit(bool take)
    {
        _successful++;
        if (!take)
        {
            // Note: a zero-permit probe succeeds without holding anything; its lease is inert.
            return new AdaptiveConcurrencyLease(true, null, 0, 0);
        }
        _inflight++;
        return new AdaptiveConcurrencyLease(true, this, _time.GetTimestamp(), _inflight);
    }

    private AdaptiveConcurrencyLease Reject()
    {
        _failed++;
        _requests.Add(1, _nameTag, new KeyValuePair<string, object?>("status", "rejected"));
        return Rejected;
    }

    private void Cancel(Waiter waiter, CancellationToken ct)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
            {
                return;
            }
            _queue.Remove(waiter.Node);
        }
        waiter.Completion.TrySetCanceled(ct);
    }

    private sealed class Waiter
    {
        public TaskCompletionSource<RateLimitLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }
}
