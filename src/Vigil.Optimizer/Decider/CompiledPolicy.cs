using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Decider;

/// <summary>A policy with its templates parsed and its effective settings (policy overrides over the global ones) resolved.</summary>
internal sealed class CompiledPolicy
{
    private readonly ActionTemplate? _target;
    private readonly ActionTemplate? _description;
    private readonly (string Name, ActionTemplate Value)[] _parameters;

    public CompiledPolicy(OptimizationPolicyConfig config, OptimizationConfig global, int order)
    {
        Config = config;
        Order = order;
        string name = "policy " + config.Name;
        _target = config.Action.Target.Length == 0 ? null : ActionTemplate.Parse(name + ".target", config.Action.Target);
        _description = config.Action.Description.Length == 0 ? null : ActionTemplate.Parse(name + ".description", config.Action.Description);
        _parameters = config.Action.Parameters.Select(p => (p.Key, ActionTemplate.Parse(name + ".parameters." + p.Key, p.Value))).ToArray();
        var ev = global.Evaluation;
        Baseline = config.Baseline ?? ev.Baseline;
        Settle = config.Settle ?? ev.Settle;
        Observation = config.Observation ?? ev.Observation;
        ImpactThreshold = config.ImpactThreshold ?? global.ImpactThreshold;
        Cooldown = config.Cooldown ?? global.Cooldown;
        Mode = global.Mode == OptimizationMode.Off ? OptimizationMode.Off : config.Mode ?? global.Mode;
        Guardrails = [.. config.Guardrails, .. ev.Guardrails];
        Timeout = config.Action.Timeout
            ?? global.Executors.FirstOrDefault(e => e.Name == config.Action.Executor)?.Timeout
            ?? global.OptimizationTimeout;
    }

    public OptimizationPolicyConfig Config { get; }

    /// <summary>For a lever of an objective: the objective (its constraints join the evaluation); null for a configured policy.</summary>
    public OptimizationObjectiveConfig? Objective { get; init; }

    public string Name => Config.Name;

    /// <summary>The position in the file (the last tie-breaker).</summary>
    public int Order { get; }

    public TimeSpan Baseline { get; }

    public TimeSpan Settle { get; }

    public TimeSpan Observation { get; }

    public double ImpactThreshold { get; }

    public TimeSpan Cooldown { get; }

    public OptimizationMode Mode { get; }

    public TimeSpan Timeout { get; }

    public IReadOnlyList<OptimizationMetricConfig> Guardrails { get; }

    /// <summary>Whether <paramref name="signal"/> is one this policy acts on.</summary>
    public bool Matches(OptimizationSignal signal)
    {
        var m = Config.Match;
        if (!string.Equals(m.Source, signal.Source, StringComparison.Ordinal) || !string.Equals(m.Type, signal.Type, StringComparison.Ordinal))
        {
            return false;
        }
        if (m.Severities.Count > 0 && !m.Severities.Contains(signal.Severity, StringComparer.Ordinal))
        {
            return false;
        }
        foreach (var matcher in m.Matchers)
        {
            string value = signal.Labels.TryGetValue(matcher.Name, out string? v) ? v : string.Empty;
            if (!matcher.Matches(value))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The action this policy proposes for <paramref name="signal"/>, with its templates rendered; throws <see cref="ExecutorException"/> when a template fails.</summary>
    public OptimizationAction BuildAction(OptimizationSignal signal, string id)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Labels"] = signal.Labels,
            ["Severity"] = signal.Severity,
            ["Signal"] = signal.Type,
            ["Value"] = signal.Value,
            ["Policy"] = Config.Name,
        };
        string target = _target?.Render(fields).Trim() ?? Config.Action.Executor;
        if (target.Length == 0)
        {
            throw new ExecutorException($"policy {Config.Name}: the target template gave an empty target for {signal.Type}");
        }
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in _parameters)
        {
            parameters[key] = value.Render(fields);
        }
        string description = _description?.Render(fields)
            ?? $"{Config.Action.Type} {target} via {Config.Action.Executor}"
               + (parameters.Count == 0 ? string.Empty : " (" + string.Join(", ", parameters.Select(p => p.Key + "=" + p.Value)) + ")")
               + $" because {signal.Source} {signal.Type} is active";
        return new OptimizationAction
        {
            Id = id,
            Type = Config.Action.Type,
            Target = target,
            Policy = Config.Name,
            Executor = Config.Action.Executor,
            Parameters = parameters,
            Priority = Config.Action.Priority,
            EstimatedImpact = Config.Action.EstimatedImpact,
            Timeout = Timeout,
            Description = description,
        };
    }
}
