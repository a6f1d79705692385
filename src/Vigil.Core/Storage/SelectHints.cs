namespace Vigil.Core.Storage;

/// <summary>Optional hints a query engine passes to <see cref="IQuerier.Select"/>; storages may ignore them.</summary>
/// <param name="Start">First timestamp the caller will read (ms).</param>
/// <param name="End">Last timestamp the caller will read (ms).</param>
/// <param name="Step">Query resolution step (ms), 0 for instant queries.</param>
/// <param name="Func">The PromQL function the selector feeds, or null.</param>
/// <param name="Limit">Maximum number of series to return, 0 for no limit.</param>
public sealed record SelectHints(long Start, long End, long Step = 0, string? Func = null, int Limit = 0);
