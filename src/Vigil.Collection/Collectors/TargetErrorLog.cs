using Microsoft.Extensions.Logging;

namespace Vigil.Collection.Collectors;

/// <summary>
/// Logs the failures of a collector's targets at most once a minute per target, and a target's recovery once, so a
/// broken database or endpoint cannot flood the log while its <c>*_up</c> series reports the failure every interval.
/// </summary>
/// <remarks>Thread-safe: targets refreshed on different threads may report at the same time.</remarks>
internal sealed class TargetErrorLog(ILogger logger, string collector, TimeProvider? clock = null)
{
    /// <summary>How often one target's failures are logged.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Dictionary<string, DateTimeOffset> _failing = new(StringComparer.Ordinal);

    /// <summary>Records a failure of <paramref name="target"/>; logs it unless this target's last failure was logged less than a minute ago.</summary>
    public void Failed(string target, string error)
    {
        var now = _clock.GetUtcNow();
        lock (_failing)
        {
            if (_failing.TryGetValue(target, out var last) && now - last < Interval)
            {
                return;
            }
            _failing[target] = now;
        }
        logger.LogWarning("Collector {Collector}: target {Target} failed: {Error}", collector, target, error);
    }

    /// <summary>Records a success of <paramref name="target"/>; logs the recovery when it was failing.</summary>
    public void Succeeded(string target)
    {
        lock (_failing)
        {
            if (!_failing.Remove(target))
            {
                return;
            }
        }
        logger.LogInformation("Collector {Collector}: target {Target} works again", collector, target);
    }
}
