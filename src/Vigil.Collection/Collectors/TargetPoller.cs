using Microsoft.Extensions.Logging;

namespace Vigil.Collection.Collectors;

/// <summary>
/// Refreshes a collector's targets in the background, each on its own interval and bounded by its own timeout, so a
/// slow or unreachable database or endpoint never delays the collection loop or the other targets.
/// </summary>
/// <remarks>
/// Nothing runs until <see cref="EnsureStarted"/>; every target's first refresh then starts at once. Refreshes of one
/// target never overlap (<see cref="RefreshAllAsync"/> waits for a running one). Thread-safe. <see cref="Dispose"/>
/// cancels running refreshes and waits a few seconds for them to end.
/// </remarks>
internal sealed class TargetPoller : IDisposable
{
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private readonly IPolledTarget[] _targets;
    private readonly SemaphoreSlim[] _gates;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts = new();
    private readonly object _startLock = new();
    private Task[]? _loops;
    private bool _disposed;

    public TargetPoller(IEnumerable<IPolledTarget> targets, ILogger logger)
    {
        _targets = [.. targets];
        _gates = new SemaphoreSlim[_targets.Length];
        for (int i = 0; i < _gates.Length; i++)
        {
            _gates[i] = new SemaphoreSlim(1, 1);
        }
        _logger = logger;
    }

    /// <summary>The targets, in configuration order.</summary>
    public IReadOnlyList<IPolledTarget> Targets => _targets;

    /// <summary>Starts the background refresh loops unless they already run.</summary>
    public void EnsureStarted()
    {
        lock (_startLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_loops is not null)
            {
                return;
            }
            var loops = new Task[_targets.Length];
            for (int i = 0; i < loops.Length; i++)
            {
                int index = i;
                loops[i] = Task.Run(() => LoopAsync(index), CancellationToken.None);
            }
            _loops = loops;
        }
    }

    /// <summary>Refreshes every target once now and completes when all have finished.</summary>
    public Task RefreshAllAsync(CancellationToken cancellationToken = default)
    {
        var runs = new Task[_targets.Length];
        for (int i = 0; i < runs.Length; i++)
        {
            runs[i] = RefreshAsync(i, cancellationToken);
        }
        return Task.WhenAll(runs);
    }

    /// <summary>Writes the latest state of every target.</summary>
    public void Write(SampleWriter writer)
    {
        foreach (var target in _targets)
        {
            target.Write(writer);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Task[]? loops;
        lock (_startLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            loops = _loops;
        }
        _cts.Cancel();
        if (loops is not null && !Task.WaitAll(loops, StopWait))
        {
            _logger.LogWarning("Some collector targets did not stop within {Seconds} s", StopWait.TotalSeconds);
        }
        _cts.Dispose();
    }

    private async Task LoopAsync(int index)
    {
        var ct = _cts.Token;
        try
        {
            using var timer = new PeriodicTimer(_targets[index].Interval);
            do
            {
                await RefreshAsync(index, ct).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task RefreshAsync(int index, CancellationToken ct)
    {
        var target = _targets[index];
        await _gates[index].WaitAsync(ct).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(target.Timeout);
            await target.RefreshAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Note: targets record their own failures; this is a bug guard so one target can never stop its loop.
            _logger.LogError(e, "Refreshing collector target {Target} failed unexpectedly", target.Name);
        }
        finally
        {
            _gates[index].Release();
        }
    }
}
