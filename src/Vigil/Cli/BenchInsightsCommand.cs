using System.CommandLine;
using System.Text.Json;
using Vigil.Bench;

namespace Vigil.Cli;

/// <summary><c>vigil bench insights</c>: precision and recall of the insight engines on generated scenarios with known answers.</summary>
internal static class BenchInsightsCommand
{
    public static Command Create(IStorageProvider storage, TextWriter stdout, TextWriter stderr)
    {
        var seed = new Option<int>("--seed") { Description = "Seed of the generated scenarios.", DefaultValueFactory = _ => 1 };
        var only = new Option<string[]>("--scenario")
        {
            Description = "Run only these scenarios (repeatable): " + string.Join(", ", InsightScenarios.All.Select(s => s.Name)) + ".",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = true,
        };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file.", HelpName = "FILE" };
        var command = new Command("insights", "Run the analysis (anomaly scorer and the four insight engines) over one simulated hour of each generated scenario — CPU saturation, memory leak, disk filling, latency trend after a deploy, seasonal traffic, idle host, noisy neighbour, slow downstream — and print each engine's precision and recall against the insights each scenario must and must not produce.")
        {
            seed, only, json,
        };
        command.SetAction(async (result, ct) =>
        {
            string[] names = result.GetValue(only) ?? [];
            foreach (string name in names.Where(n => InsightScenarios.All.All(s => s.Name != n)))
            {
                throw new CliException($"unknown scenario \"{name}\": expected one of {string.Join(", ", InsightScenarios.All.Select(s => s.Name))}", 2);
            }
            var scenarios = InsightScenarios.All.Where(s => names.Length == 0 || names.Contains(s.Name)).ToList();
            int done = 0;
            var outcomes = InsightBench.Run(scenarios, storage.OpenInMemory, result.GetValue(seed), name =>
            {
                stderr.Write($"\rscenario {++done}/{scenarios.Count}: {name}        ");
                stderr.Flush();
            }, ct);
            stderr.WriteLine();
            var scores = InsightBench.Score(outcomes);
            await stdout.WriteAsync(InsightBench.Format(outcomes, scores)).ConfigureAwait(false);
            if (result.GetValue(json) is { } path)
            {
                await File.WriteAllTextAsync(path, InsightBench.ToJson(outcomes, scores, result.GetValue(seed)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }
}
