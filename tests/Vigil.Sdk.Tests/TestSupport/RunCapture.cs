using Vigil.Sdk.Profiling;

namespace Vigil.Sdk.Tests.TestSupport;

/// <summary>Collects the runs a profiler reports through <see cref="ToolProfiler.RunCompleted"/>.</summary>
internal sealed class RunCapture
{
    private readonly List<ToolRun> _runs = new();

    public RunCapture(ToolProfiler profiler)
    {
        profiler.RunCompleted += r =>
        {
            lock (_runs)
            {
                _runs.Add(r);
            }
        };
    }

    public IReadOnlyList<ToolRun> Runs
    {
        get
        {
            lock (_runs)
            {
                return [.. _runs];
            }
        }
    }

    public ToolRun Single()
    {
        var runs = Runs;
        Assert.Single(runs);
        return runs[0];
    }
}
