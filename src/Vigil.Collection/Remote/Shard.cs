namespace Vigil.Collection.Remote;

/// <summary>
/// One of a remote's parallel senders: a bounded FIFO of samples (series hashed onto it, so each series stays in order)
/// and a loop that sends them in batches, retrying until the remote takes them or refuses them for good.
/// </summary>
/// <remarks>Thread-safe: the WAL watcher appends, the shard's own loop takes; <see cref="Lowest"/> may be read from anywhere.</remarks>
internal sealed class Shard
{
    private readonly QueueManager _queue;
    private readonly PendingSample[] _ring;
    private readonly int _maxPerSend;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly object _lock = new();
    private readonly CancellationTokenSource _hardStop = new();
    private int _head;
    private int _count;
    private long _inflightLow = long.MaxValue;
    private long _oldestSince;
    private volatile bool _draining;
    private Task _loop = Task.CompletedTask;

    public Shard(QueueManager queue, int capacity, int maxPerSend)
    {
        _queue = queue;
        _ring = new PendingSample[Math.Max(capacity, maxPerSend)];
        _maxPerSend = maxPerSend;
    }

    /// <summary>Samples waiting or being sent.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _count + (_inflightLow == long.MaxValue ? 0 : _inflightCount);
            }
        }
    }

    private int _inflightCount;

    /// <summary>The sequence number of the oldest sample not yet acknowledged (or refused for good); <see cref="long.MaxValue"/> when none.</summary>
    public long Lowest
    {
        get
        {
            lock (_lock)
            {
                return _inflightLow != long.MaxValue ? _inflightLow : _count > 0 ? _ring[_head].Seq : long.MaxValue;
            }
        }
    }

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Adds a sample; false when the shard is full (the caller waits and tries again).</summary>
    public bool TryAppend(in PendingSample sample)
    {
        bool wake;
        lock (_lock)
        {
            if (_count == _ring.Length)
            {
                return false;
            }
            if (_count == 0)
            {
                _oldestSince = Environment.TickCount64;
            }
            _ring[(_head + _count) % _ring.Length] = sample;
            _count++;
            wake = _count == _maxPerSend;
        }
        if (wake)
        {
            _wake.Release();
        }
        return true;
    }

    /// <summary>Sends what is waiting without waiting for full batches (before resharding or stopping).</summary>
    public void Drain()
    {
        _draining = true;
        _wake.Release();
    }

    /// <summary>Stops the loop: what it cannot send within <paramref name="grace"/> stays unacknowledged (sent again after a restart).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Drain();
        var done = await Task.WhenAny(_loop, Task.Delay(grace)).ConfigureAwait(false);
        if (done != _loop)
        {
            await _hardStop.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while sending.
        }
    }

    private async Task RunAsync()
    {
        var batch = new PendingSample[_maxPerSend];
        var encoder = new RemoteWriteEncoder();
        var ct = _hardStop.Token;
        long deadlineMs = (long)_queue.Options.Queue.BatchSendDeadline.TotalMilliseconds;
        while (!ct.IsCancellationRequested)
        {
            int n = 0;
            long wait = deadlineMs;
            lock (_lock)
            {
                long age = Environment.TickCount64 - _oldestSince;
                if (_count > 0 && (_count >= _maxPerSend || _draining || age >= deadlineMs))
                {
                    n = Math.Min(_count, _maxPerSend);
                    for (int i = 0; i < n; i++)
                    {
                        batch[i] = _ring[_head];
                        _ring[_head] = default;
                        _head = (_head + 1) % _ring.Length;
                    }
                    _count -= n;
                    _inflightLow = batch[0].Seq;
                    _inflightCount = n;
                    _oldestSince = Environment.TickCount64;
                }
                else if (_count > 0)
                {
                    wait = deadlineMs - age;
                }
                else if (_draining)
                {
                    return;
                }
            }
            if (n == 0)
            {
                try
                {
                    await _wake.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(1, wait)), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            try
            {
                await _queue.SendBatchAsync(encoder, batch.AsMemory(0, n), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                lock (_lock)
                {
                    if (!ct.IsCancellationRequested)
                    {
                        _inflightLow = long.MaxValue;
                        _inflightCount = 0;
                    }
                }
                Array.Clear(batch, 0, n);
            }
        }
    }
}
