using System.Globalization;
using Vigil.Analysis.Insights;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Decider.Levers;

/// <summary>
/// How the lever decider's choices become the optimizer's executions: one policy per lever (its evaluation is the
/// objective's target and constraints) and one action per choice, whose parameters carry the value.
/// </summary>
/// <remarks>
/// Parameters of a lever action: <c>set</c> and <c>value</c> (the value), <c>tunable</c> (the target's last path segment,
/// for a <c>tunable</c> executor), <c>objective</c>, <c>lever</c> and <c>purpose</c> (<c>improve</c> or <c>cheaper</c>).
/// </remarks>
internal static class LeverAction
{
    /// <summary>The signal source of lever actions (no configured policy matches it).</summary>
    public const string Source = "objective";

    /// <summary>The parameter that says why the value is tried.</summary>
    public const string PurposeParameter = "purpose";

    /// <summary>The purpose of a cheaper setting that must still meet the threshold.</summary>
    public const string Cheaper = "cheaper";

    /// <summary>The purpose of a change that must improve the target.</summary>
    public const string Improve = "improve";

    /// <summary>The policy name of <paramref name="lever"/> of <paramref name="objective"/>.</summary>
    public static string PolicyName(OptimizationObjectiveConfig objective, OptimizationLeverConfig lever) => $"objective:{objective.Name}/{lever.Name}";

    /// <summary>The policies of every lever of every objective.</summary>
    public static List<CompiledPolicy> Policies(OptimizationConfig config)
    {
        var list = new List<CompiledPolicy>();
        foreach (var objective in config.Objectives)
        {
            foreach (var lever in objective.Levers)
            {
                var pc = new OptimizationPolicyConfig
                {
                    Name = PolicyName(objective, lever),
                    Match = new OptimizationMatchConfig { Source = Source, Type = objective.Name },
                    Action = new OptimizationActionConfig { Type = OptimizationActionType.ConfigurationUpdate, Executor = lever.Executor },
                    Target = objective.Target,
                    ImpactThreshold = objective.ImpactThreshold,
                    Mode = lever.Mode,
                };
                list.Add(new CompiledPolicy(pc, config, list.Count) { Objective = objective });
            }
        }
        return list;
    }

    /// <summary>The value as the parameters carry it (integers without a fraction).</summary>
    public static string Format(double value) => value.ToString("0.##########", CultureInfo.InvariantCulture);

    /// <summary>The action that sets <paramref name="lever"/> to <paramref name="value"/>.</summary>
    public static OptimizationAction Build(string id, OptimizationObjectiveConfig objective, OptimizationLeverConfig lever, double value, bool cheaper,
        double expected, string reason, CompiledPolicy policy) => new()
        {
            Id = id,
            Type = OptimizationActionType.ConfigurationUpdate,
            Target = lever.Target,
            Policy = policy.Name,
            Executor = lever.Executor,
            Parameters = Parameters(objective, lever, Format(value), cheaper),
            Priority = 0,
            EstimatedImpact = expected,
            Timeout = policy.Timeout,
            Description = $"objective {objective.Name}: " + reason,
        };

    /// <summary>An action that only reads the lever (the capture before a decision).</summary>
    public static OptimizationExecution Probe(OptimizationObjectiveConfig objective, OptimizationLeverConfig lever, DateTimeOffset now) => new()
    {
        Id = "probe",
        Action = new OptimizationAction
        {
            Id = "probe",
            Type = OptimizationActionType.ConfigurationUpdate,
            Target = lever.Target,
            Policy = PolicyName(objective, lever),
            Executor = lever.Executor,
            Parameters = Parameters(objective, lever, string.Empty, false),
        },
        CreatedAt = now,
    };

    private static Dictionary<string, string> Parameters(OptimizationObjectiveConfig objective, OptimizationLeverConfig lever, string value, bool cheaper)
    {
        int slash = lever.Target.LastIndexOf('/');
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["tunable"] = slash >= 0 ? lever.Target[(slash + 1)..] : lever.Target,
            ["objective"] = objective.Name,
            ["lever"] = lever.Name,
            [PurposeParameter] = cheaper ? Cheaper : Improve,
        };
        if (value.Length > 0)
        {
            p["set"] = value;
            p["value"] = value;
        }
        return p;
    }
}
