namespace Vigil.Collection.Collectors;

/// <summary>A target that a <see cref="TargetPoller"/> refreshes in the background on its own interval; collections write its latest state.</summary>
/// <remarks>
/// <see cref="RefreshAsync"/> is never called concurrently with itself for one target, but <see cref="Write"/> may
/// run at the same time as a refresh, so implementations publish their state under a lock or as an immutable snapshot.
/// </remarks>
internal interface IPolledTarget
{
    /// <summary>How the target is named in logs (e.g. <c>tcp 127.0.0.1:5432</c>).</summary>
    string Name { get; }

    /// <summary>How often the target is refreshed.</summary>
    TimeSpan Interval { get; }

    /// <summary>How long one refresh may take before its cancellation token fires.</summary>
    TimeSpan Timeout { get; }

    /// <summary>Refreshes the state; a failing target records the failure in its state (an <c>up</c> of 0) instead of throwing.</summary>
    Task RefreshAsync(CancellationToken cancellationToken);

    /// <summary>Writes the latest state; writes nothing before the first refresh has finished.</summary>
    void Write(SampleWriter writer);
}
