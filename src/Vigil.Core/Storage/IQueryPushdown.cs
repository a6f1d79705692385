namespace Vigil.Core.Storage;

/// <summary>
/// A storage that evaluates whole PromQL expressions itself (a Prometheus-compatible query API such as VictoriaMetrics,
/// Mimir, Thanos or Prometheus). A query engine hands such a storage the expression as written instead of reading raw
/// series, so the engine that holds the data does the work and only the result travels.
/// </summary>
/// <remarks>
/// Thread-safe. Blocks the calling thread until the remote answers or the cancellation token fires.
/// Failures are <see cref="RemoteStorageException"/>s that say whether the query was refused (bad data), failed,
/// timed out or the store could not be reached.
/// </remarks>
public interface IQueryPushdown
{
    /// <summary>Evaluates <paramref name="query"/> remotely.</summary>
    /// <exception cref="RemoteStorageException">The remote refused or failed the query, timed out or could not be reached.</exception>
    PushdownResult Query(PushdownQuery query, CancellationToken cancellationToken);
}

/// <summary>A PromQL expression to evaluate remotely.</summary>
/// <param name="Expression">The expression as the user wrote it.</param>
/// <param name="StartMs">The evaluation time of an instant query, or the first step of a range query (ms since the epoch).</param>
/// <param name="EndMs">The last step of a range query (inclusive, ms); equal to <paramref name="StartMs"/> for an instant query.</param>
/// <param name="StepMs">The resolution step of a range query (ms); 0 for an instant query.</param>
/// <param name="Timeout">How long the remote may take.</param>
/// <param name="LookbackDelta">A per-query lookback delta, or null for the remote's own.</param>
public sealed record PushdownQuery(string Expression, long StartMs, long EndMs, long StepMs, TimeSpan Timeout, TimeSpan? LookbackDelta = null)
{
    /// <summary>True for an instant query.</summary>
    public bool IsInstant => StepMs == 0;
}
