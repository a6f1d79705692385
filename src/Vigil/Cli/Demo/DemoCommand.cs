using System.CommandLine;
using Vigil.Core.Model;

namespace Vigil.Cli.Demo;

/// <summary>
/// <c>vigil demo</c>: the closed loop on a real workload. Starts the sample service (a worker pool in front of a slow
/// downstream, and a cache, instrumented with Vigil.Sdk), a load generator and <c>vigil serve</c> as separate
/// processes, lets the optimizer tune the pool in <c>auto</c> mode, and prints every action, verdict and the p99
/// latency before and after.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var d = new DemoSettings();
        var rate = new Option<double>("--rate") { Description = "Requests per second of the load generator.", HelpName = "N", DefaultValueFactory = _ => d.Rate };
        var poolSize = new Option<int>("--pool-size") { Description = "The pool size the service starts with (a poor one).", HelpName = "N", DefaultValueFactory = _ => d.PoolSize };
        var quick = new Option<bool>("--quick") { Description = "Shorter windows (baseline 10s, settle 3s, observation 10s): faster, noisier." };
        var baseline = Duration("--baseline", "The evaluator's window before an action.", d.Baseline);
        var settle = Duration("--settle", "The time ignored after an action.", d.Settle, allowZero: true);
        var observation = Duration("--observation", "The evaluator's window after an action and the settle time.", d.Observation);
        var objective = Duration("--objective", "The p99 latency objective; above it the grow-pool policy acts.", d.Objective);
        var timeout = Duration("--timeout", "Give up when the scenario has not finished by then.", d.Timeout);
        var noHarm = new Option<bool>("--no-harmful-policy") { Description = "Leave out the cost policy that shrinks the pool (the action that gets rolled back)." };
        var port = new Option<int>("--port") { Description = "Port of vigil serve on 127.0.0.1 (its dashboard and API); 0 picks a free one.", HelpName = "PORT", DefaultValueFactory = _ => 0 };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Keep the generated vigil.yaml, rules, token and data here (default: a temporary directory, deleted afterwards).", HelpName = "DIR" };
        var verbose = new Option<bool>("--verbose") { Description = "Also print the output of the three processes." };
        rate.Validators.Add(r =>
        {
            if (!(r.GetValueOrDefault<double>() is > 0 and <= 5000))
            {
                r.AddError("--rate: must be greater than 0 and at most 5000");
            }
        });
        poolSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 64)
            {
                r.AddError("--pool-size: must be between 1 and 64");
            }
        });
        port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 65535)
            {
                r.AddError("--port: must be a port number (0 picks a free one)");
            }
        });
        var command = new Command("demo", """
            Run the closed loop on a real workload: a sample service (a worker pool in front of a downstream with limited
            capacity, and a cache; instrumented with Vigil.Sdk, its pool_size and cache_size knobs served as tunables),
            a load generator at a steady rate, and `vigil serve`, each a separate process. vigil serve scrapes the service
            every second; while p99 latency is above the objective the grow-pool policy doubles the pool in auto mode,
            and the evaluator keeps a change only when p99 improved significantly (Mann-Whitney U at 98 %). A cost
            policy that cuts the pool to a quarter is then rolled back by the p99 guardrail, and a cache policy in
            recommend mode is only listed. The demo prints every action and verdict, and p99 before and after.
            Ctrl+C stops all three processes cleanly.
            """)
        {
            rate, poolSize, quick, baseline, settle, observation, objective, timeout, noHarm, port, dir, verbose,
        };
        command.SetAction(async (r, ct) =>
        {
            bool Given(Option o) => r.GetResult(o) is { Implicit: false };
            bool q = r.GetValue(quick);
            TimeSpan Window(Option<string> o, TimeSpan quickValue) => Given(o) || !q ? PrometheusDuration.Parse(r.GetValue(o)!) : quickValue;
            var settings = d with
            {
                Rate = r.GetValue(rate),
                PoolSize = r.GetValue(poolSize),
                Baseline = Window(baseline, TimeSpan.FromSeconds(10)),
                Settle = Window(settle, TimeSpan.FromSeconds(3)),
                Observation = Window(observation, TimeSpan.FromSeconds(10)),
                Objective = PrometheusDuration.Parse(r.GetValue(objective)!),
                Timeout = PrometheusDuration.Parse(r.GetValue(timeout)!),
                HarmfulPolicy = !r.GetValue(noHarm),
            };
            var run = new DemoRun(settings, stdout, stderr, r.GetValue(verbose));
            return await run.RunAsync(r.GetValue(port), r.GetValue(dir)?.FullName, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Option<string> Duration(string name, string description, TimeSpan defaultValue, bool allowZero = false)
    {
        var option = new Option<string>(name)
        {
            Description = description,
            HelpName = "DURATION",
            DefaultValueFactory = _ => PrometheusDuration.Format(defaultValue),
        };
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!PrometheusDuration.TryParse(token.Value, out var v, out string error))
                {
                    r.AddError($"{name}: {error}");
                }
                else if (v == TimeSpan.Zero && !allowZero)
                {
                    r.AddError($"{name}: must be greater than 0");
                }
            }
        });
        return option;
    }
}
