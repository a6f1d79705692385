namespace Vigil.Optimizer.Options;

/// <summary>The <c>optimization.evaluation</c> defaults: windows, resolution, test thresholds and global guardrails.</summary>
/// <remarks>
/// <code>
/// evaluation:
///   baseline: 5m          # window before the action
///   settle: 1m            # ignored after the action
///   observation: 5m       # window after the settle time
///   step: 15s             # query resolution inside the windows
///   lookback: 30s         # how far back a selector looks for a sample (default: twice the step)
///   confidence: 0.98      # Mann–Whitney U: a difference counts when p &lt; 0.02
///   min_effect_size: 0.3  # and |rank-biserial| ≥ 0.3
///   min_samples: 5        # fewer values in a window is missing data
///   guardrails: [ { name: cpu, query: 'sum(rate(process_cpu_seconds_total[1m]))', tolerance: 0.1 } ]
/// </code>
/// </remarks>
public sealed record OptimizationEvaluationConfig
{
    /// <summary>The baseline window; 5 minutes by default.</summary>
    public TimeSpan Baseline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The settle time after the change; 1 minute by default.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The observation window; 5 minutes by default.</summary>
    public TimeSpan Observation { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The query resolution; 15 seconds by default.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How far back instant selectors look for a sample in evaluation queries; twice <see cref="Step"/> when null.</summary>
    public TimeSpan? Lookback { get; init; }

    /// <summary>The confidence level; 0.98 by default.</summary>
    public double Confidence { get; init; } = 0.98;

    /// <summary>The smallest |rank-biserial correlation| that counts as a change; 0.3 by default.</summary>
    public double MinEffectSize { get; init; } = 0.3;

    /// <summary>The fewest values per window; 5 by default.</summary>
    public int MinSamples { get; init; } = 5;

    /// <summary>Guardrails checked for every policy.</summary>
    public IReadOnlyList<OptimizationMetricConfig> Guardrails { get; init; } = [];
}
