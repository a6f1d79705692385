using System.Diagnostics;
using System.Threading.Channels;

namespace Vigil.Demo.Service;

/// <summary>
/// A pool of worker tasks that take jobs from one FIFO queue; its size can change while it runs (new workers start
/// at once, surplus workers retire after their current job). A job that waited in the queue longer than the queue
/// timeout fails without being worked on, so an undersized pool sheds load instead of queueing without end.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class WorkerPool : IAsyncDisposable
{
    private readonly Channel<Job> _jobs = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Func<string, CancellationToken, Task<string>> _work;
    private readonly TimeSpan _queueTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<Task> _workers = [];
    private int _size;
    private int _running;
    private int _queued;

    /// <param name="size">Workers to start with.</param>
    /// <param name="queueTimeout">The longest a job may wait for a worker.</param>
    /// <param name="work">What a worker does with a job's key.</param>
    public WorkerPool(int size, TimeSpan queueTimeout, Func<string, CancellationToken, Task<string>> work)
    {
        _work = work;
        _queueTimeout = queueTimeout;
        Size = size;
    }

    /// <summary>The number of workers; setting it resizes the pool.</summary>
    public int Size
    {
        get => Volatile.Read(ref _size);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_lock)
            {
                _size = value;
                _workers.RemoveAll(t => t.IsCompleted);
                while (_running < _size)
                {
                    _running++;
                    _workers.Add(Task.Run(WorkAsync));
                }
            }
        }
    }

    /// <summary>Jobs waiting for a worker now.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Queues a job for <paramref name="key"/>; the task ends with the worker's result or a <see cref="PoolTimeoutException"/>.</summary>
    public Task<string> SubmitAsync(string key)
    {
        var job = new Job(key, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _queued);
        if (!_jobs.Writer.TryWrite(job))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(WorkerPool));
        }
        return job.Completion.Task;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        Task[] workers;
        lock (_lock)
        {
            workers = [.. _workers];
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        while (_jobs.Reader.TryRead(out var job))
        {
            job.Completion.TrySetCanceled();
        }
        _stop.Dispose();
    }

    private async Task WorkAsync()
    {
        var reader = _jobs.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                if (Retire())
                {
                    return;
                }
                if (!reader.TryRead(out var job))
                {
                    continue;
                }
                Interlocked.Decrement(ref _queued);
                var waited = Stopwatch.GetElapsedTime(job.Enqueued);
                if (waited > _queueTimeout)
                {
                    job.Completion.TrySetException(new PoolTimeoutException(
                        $"no worker was free for {waited.TotalMilliseconds:0} ms (the pool has {Size} workers)"));
                    continue;
                }
                try
                {
                    job.Completion.TrySetResult(await _work(job.Key, _stop.Token).ConfigureAwait(false));
                }
                catch (Exception e)
                {
                    job.Completion.TrySetException(e);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // disposing
        }
    }

    /// <summary>Whether this worker is surplus after a shrink (and is counted out if so).</summary>
    private bool Retire()
    {
        lock (_lock)
        {
            if (_running > _size)
            {
                _running--;
                return true;
            }
            return false;
        }
    }

    private sealed class Job(string key, long enqueued)
    {
        public string Key { get; } = key;

        public long Enqueued { get; } = enqueued;

        public TaskCompletionSource<string> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A job waited longer than the pool's queue timeout.</summary>
internal sealed class PoolTimeoutException(string message) : Exception(message);
