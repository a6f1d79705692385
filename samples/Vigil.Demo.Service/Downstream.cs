using System.Diagnostics;

namespace Vigil.Demo.Service;

/// <summary>
/// A simulated downstream (think of a database) with a fixed number of cores. A call's work is done in short slices,
/// each holding one core for real wall-clock time, so when more calls are in flight than there are cores they take
/// turns and every call takes longer. Past the core count each extra call in flight also makes a slice do less useful
/// work (lock contention, cache thrashing): too much concurrency lowers the downstream's throughput.
/// </summary>
/// <remarks>Thread-safe. The latency a caller sees is the real time it waited for cores and slices, never a computed number.</remarks>
internal sealed class Downstream
{
    private readonly SemaphoreSlim _cores;
    private readonly TimeSpan _slice;
    private readonly double _contention;
    private int _inFlight;

    /// <param name="cores">Calls that can make progress at the same time.</param>
    /// <param name="slice">How long a call holds a core before it queues again.</param>
    /// <param name="contention">The share of a slice lost per call in flight beyond the cores.</param>
    public Downstream(int cores, TimeSpan slice, double contention)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        Cores = cores;
        _cores = new SemaphoreSlim(cores, cores);
        _slice = slice;
        _contention = contention;
    }

    /// <summary>The number of cores.</summary>
    public int Cores { get; }

    /// <summary>Calls in flight now (running or waiting for a core).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Does <paramref name="work"/> of core time for <paramref name="key"/> and returns its value.</summary>
    public async Task<string> FetchAsync(string key, TimeSpan work, CancellationToken ct)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            double remainingMs = work.TotalMilliseconds;
            while (remainingMs > 0)
            {
                await _cores.WaitAsync(ct).ConfigureAwait(false);
                long start = Stopwatch.GetTimestamp();
                try
                {
                    // Note: at least 1 ms, because shorter delays complete at once and would not take the core at all.
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(_slice.TotalMilliseconds, remainingMs))), ct).ConfigureAwait(false);
                }
                finally
                {
                    _cores.Release();
                }
                // Note: progress is the time the core was really held (a busy machine makes slices longer, not the work).
                double heldMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                int excess = Math.Max(0, InFlight - Cores);
                remainingMs -= heldMs / (1 + (_contention * excess));
            }
            return "value of " + key;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
