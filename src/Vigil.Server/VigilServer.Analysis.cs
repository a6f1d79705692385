using Vigil.Analysis.Insights;
using Vigil.Optimizer.Decider;

namespace Vigil.Server;

/// <summary>The analysis inside the server: created from <see cref="VigilServerOptions.Analysis"/>, its API and its signals for the optimizer.</summary>
public sealed partial class VigilServer
{
    private AnalysisService? _analysis;

    /// <summary>The analysis (anomaly scores and insights), or null when it is not enabled.</summary>
    public AnalysisService? Analysis => _analysis;

    private void CreateAnalysis()
    {
        if (_options.Analysis is not { Enabled: true } config)
        {
            return;
        }
        _analysis = new AnalysisService(config, _storage, _options.DataDirectory, TargetLabels(), _loggerFactory, _clock);
        // Note: recommendations take impact and cost from what the optimizer measured (it may be created later or reloaded).
        _analysis.ActionHistory = new Composition.OptimizerActionHistory(() => _optimizer);
    }

    /// <summary>The optimizer's signal source for insights (it reads the analysis of this server, if any).</summary>
    private InsightSignalSource InsightSignals() => new(() => _analysis);

    private async Task StopAnalysisAsync()
    {
        if (_analysis is not null)
        {
            await _analysis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
