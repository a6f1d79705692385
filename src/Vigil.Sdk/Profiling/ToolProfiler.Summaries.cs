using Vigil.Sdk.Summaries;

namespace Vigil.Sdk.Profiling;

/// <summary>Summaries over the rolling store.</summary>
public sealed partial class ToolProfiler
{
    /// <summary>
    /// The performance summary of <paramref name="tool"/> over the runs that ended within <paramref name="window"/>
    /// before now (<see cref="TimeSpan.Zero"/> or <see cref="TimeSpan.MaxValue"/>: every stored run), or null when there are none.
    /// </summary>
    public ToolPerformanceSummary? GetSummary(string tool, TimeSpan window)
    {
        var state = Find(tool);
        if (state is null)
        {
            return null;
        }
        return SummaryBuilder.Build(state.Name, window, state.RunsSince(WindowStartMs(window)), state.CustomTotals());
    }

    /// <summary>Summaries of every tool with runs in <paramref name="window"/>, ordered by tool name.</summary>
    public IReadOnlyList<ToolPerformanceSummary> GetSummaries(TimeSpan window)
    {
        long since = WindowStartMs(window);
        var result = new List<ToolPerformanceSummary>();
        foreach (var state in ToolStates())
        {
            var summary = SummaryBuilder.Build(state.Name, window, state.RunsSince(since), state.CustomTotals());
            if (summary is not null)
            {
                result.Add(summary);
            }
        }
        return result;
    }
}
