namespace Vigil.Sdk.Profiling;

/// <summary>What a profiler dropped or was misused with so far: the documented outcomes of bad input, as counts.</summary>
/// <param name="InvalidToolNames">Runs started with a null, empty, whitespace-only, over-long or control-character tool name (recorded under <see cref="ToolProfiler.InvalidToolName"/>).</param>
/// <param name="DroppedTools">Runs of tools beyond <see cref="ToolProfilerOptions.MaxTools"/> (recorded under <see cref="ToolProfiler.OverflowToolName"/>).</param>
/// <param name="DroppedTagSets">Runs whose tag combination exceeded <see cref="ToolProfilerOptions.MaxTagSetsPerTool"/> (recorded in the overflow series).</param>
/// <param name="DroppedCounterNames">Custom counter increments of names beyond <see cref="ToolProfilerOptions.MaxCounterNamesPerTool"/>, or with an empty name.</param>
/// <param name="DroppedErrorTypes">Failures whose error type exceeded <see cref="ToolProfilerOptions.MaxCounterNamesPerTool"/> (still counted as failures).</param>
/// <param name="CrossThreadDisposals">Synchronous scopes disposed on another thread than the one that started them (CPU, allocations and exceptions not measured).</param>
/// <param name="StaleHandleUses">Calls on a handle whose run was already recorded, including double disposal (process-wide: handles outlive their profiler's bookkeeping).</param>
/// <param name="CallbackErrors">Exceptions thrown by <see cref="ToolProfiler.RunCompleted"/> handlers (caught; the run is recorded).</param>
public sealed record ToolProfilerDiagnostics(
    long InvalidToolNames,
    long DroppedTools,
    long DroppedTagSets,
    long DroppedCounterNames,
    long DroppedErrorTypes,
    long CrossThreadDisposals,
    long StaleHandleUses,
    long CallbackErrors);
