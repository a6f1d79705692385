using System.Threading.RateLimiting;

namespace Vigil.Sdk.Adaptive;

/// <summary>
/// A permit of an <see cref="AdaptiveConcurrencyLimiter"/>. Dispose it when the work ends; the time it was held is the
/// sample's round-trip time. By default the work counts as a success; call <see cref="Dropped"/> when it failed in a
/// way that signals overload (a timeout, a rejection downstream) or <see cref="Ignore"/> when it says nothing about
/// capacity (a validation error, a cancelled request).
/// </summary>
public sealed class AdaptiveConcurrencyLease : RateLimitLease
{
    private readonly AdaptiveConcurrencyLimiter? _limiter;
    private readonly bool _acquired;
    private readonly long _startTimestamp;
    private readonly int _inflight;
    private int _outcome;
    private int _released;

    /// <param name="acquired">Whether the request was admitted.</param>
    /// <param name="limiter">The limiter to give the permit back to, or null when the lease holds none (refused, or a zero-permit probe).</param>
    /// <param name="startTimestamp">When the permit was taken.</param>
    /// <param name="inflight">Requests in flight when it was taken.</param>
    internal AdaptiveConcurrencyLease(bool acquired, AdaptiveConcurrencyLimiter? limiter, long startTimestamp, int inflight)
    {
        _acquired = acquired;
        _limiter = limiter;
        _startTimestamp = startTimestamp;
        _inflight = inflight;
    }

    /// <inheritdoc />
    public override bool IsAcquired => _acquired;

    /// <inheritdoc />
    public override IEnumerable<string> MetadataNames => [];

    /// <summary>Requests in flight when this one was admitted (itself included).</summary>
    public int InflightAtStart => _inflight;

    /// <summary>Marks the work as failed through overload: the algorithm backs off.</summary>
    public void Dropped() => Volatile.Write(ref _outcome, (int)LeaseOutcome.Dropped);

    /// <summary>Marks the work as saying nothing about capacity: no sample is taken.</summary>
    public void Ignore() => Volatile.Write(ref _outcome, (int)LeaseOutcome.Ignored);

    /// <summary>Marks the work as successful (the default).</summary>
    public void Success() => Volatile.Write(ref _outcome, (int)LeaseOutcome.Success);

    /// <inheritdoc />
    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        return false;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // Note: a second dispose must not release a second permit.
        if (_limiter is null || Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }
        _limiter.Release(_startTimestamp, _inflight, (LeaseOutcome)Volatile.Read(ref _outcome));
    }

    /// <summary>How a leased request ended.</summary>
    internal enum LeaseOutcome
    {
        Success,
        Dropped,
        Ignored,
    }
}
