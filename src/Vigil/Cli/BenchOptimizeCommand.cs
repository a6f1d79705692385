using System.CommandLine;
using System.Text.Json;
using Vigil.Bench;

namespace Vigil.Cli;

/// <summary><c>vigil bench optimize</c>: the lever decider on simulated shapes of the demo service, against each scenario's best static setting.</summary>
internal static class BenchOptimizeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var seed = new Option<int>("--seed") { Description = "Seed of the measurement noise and the exploration.", DefaultValueFactory = _ => 1 };
        var only = new Option<string[]>("--scenario")
        {
            Description = "Run only these scenarios (repeatable): " + string.Join(", ", OptimizeScenarios.All.Select(s => s.Name)) + ".",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = true,
        };
        var log = new Option<bool>("--log") { Description = "Also print every trial and verdict of each scenario." };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file.", HelpName = "FILE" };
        var command = new Command("optimize", "Run the lever decider on simulated shapes of the demo service (simulated time: a queueing model of its pool, cache and downstream, with measurement noise) — pool-bound, cache-bound, downstream-bound at three rates, a knob with an optimum in the middle, a knob with no effect, a noisy neighbour mid-run, a cost objective — and compare each end state with the best static setting of a sweep.")
        {
            seed, only, log, json,
        };
        command.SetAction(async (result, ct) =>
        {
            string[] names = result.GetValue(only) ?? [];
            foreach (string name in names.Where(n => OptimizeScenarios.All.All(s => s.Name != n)))
            {
                throw new CliException($"unknown scenario \"{name}\": expected one of {string.Join(", ", OptimizeScenarios.All.Select(s => s.Name))}", 2);
            }
            var scenarios = OptimizeScenarios.All.Where(s => names.Length == 0 || names.Contains(s.Name)).ToList();
            var outcomes = OptimizeBench.Run(scenarios, result.GetValue(seed));
            await stdout.WriteAsync(OptimizeBench.Format(outcomes, result.GetValue(log))).ConfigureAwait(false);
            if (result.GetValue(json) is { } path)
            {
                await File.WriteAllTextAsync(path, OptimizeBench.ToJson(outcomes, result.GetValue(seed)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            }
            return outcomes.All(o => o.Passed) ? 0 : 1;
        });
        return command;
    }
}
