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
        using var builder = new SummaryBuilder();
        state.Summarize(WindowStartMs(window), builder);
        return builder.Build(state.Name, window, state.CustomTotals());
    }

    /// <summary>Summaries of every tool with runs in <paramref name="window"/>, ordered by tool name.</summary>
    public IReadOnlyList<ToolPerformanceSummary> GetSummaries(TimeSpan window)
    {
        long since = WindowStartMs(window);
        var result = new List<ToolPerformanceSummary>();
        foreach (var state in ToolStates())
        {
            using var builder = new SummaryBuilder();
            state.Summarize(since, builder);
            var summary = builder.Build(state.Name, window, state.CustomTotals());
            if (summary is not null)
            {
                result.Add(summary);
            }
        }
        return result;
    }
}
