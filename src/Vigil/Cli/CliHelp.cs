using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Vigil.Cli;

/// <summary>
/// Adds "Examples" and "Exit codes" sections to every command's <c>--help</c>, after the options, as dotnet-counters and
/// promtool users expect.
/// </summary>
internal static class CliHelp
{
    /// <summary>What every command exits with unless it says otherwise.</summary>
    public const string DefaultExitCodes = "0 success, 1 failure (the message says what to do), 2 usage error (unknown option, bad value).";

    private const string ServerReadExitCodes = "0 success, 1 failure (server not reachable, query error: the message says what to do), 2 usage error.";

    /// <summary>Examples and exit codes by command path; every command has an entry (a test walks the tree).</summary>
    private static readonly Dictionary<string, (string[] Examples, string? ExitCodes)> Catalogue = new(StringComparer.Ordinal)
    {
        ["vigil"] = (["vigil serve --config vigil.yaml", "vigil query 'rate(node_cpu_seconds_total[5m])' --server http://127.0.0.1:9612", "vigil top", "vigil serve --help              # every command has --help with examples"], null),
        ["vigil serve"] = ([
            "vigil serve                                   # ./data, http://127.0.0.1:9612, host and self collectors",
            "vigil serve --config vigil.yaml --listen :9612 # scrape targets, rules, analysis, optimizer from the file",
            "vigil serve --data-dir /var/lib/vigil --retention 30d --retention-size 20GB",
            "vigil serve --max-future-timestamp 1h          # accept samples up to 1 h ahead of this machine's clock"],
            "0 after SIGINT or SIGTERM (a clean shutdown), 1 when it cannot start (port in use, data directory locked, bad configuration), 2 usage error."),
        ["vigil agent"] = ([
            "vigil agent --config agent.yaml               # scrape, collect, take pushes; send all by remote_write",
            "vigil agent --config agent.yaml --data-dir /var/lib/vigil-agent --listen 127.0.0.1:9613",
            "vigil agent --config agent.yaml --collectors host   # agent.yaml: global.external_labels + remote_write (docs/SCALING.md)",
            "vigil check config agent.yaml                      # validate the remote_write section first"],
            "0 after SIGINT or SIGTERM (a clean shutdown: remotes get 10 s to send, positions saved), 1 when it cannot start, 2 usage error."),
        ["vigil series"] = (["vigil series --match 'node_cpu_seconds_total{mode=\"idle\"}'", "vigil series --match '{job=\"vigil\"}' --data-dir ./data --output json   # offline"], null),
        ["vigil dump"] = (["vigil dump --match node_load1 --from now-1h", "vigil dump --match '{job=\"node\"}' --data-dir ./data --output json > node.jsonl   # offline"],
            "0 when every matching sample was printed, 1 on failure or incomplete data (a damaged block or series: everything readable is printed first, what is missing on standard error), 2 usage error."),
        ["vigil query"] = ([
            "vigil query 'up'                                  # instant query on the server at 127.0.0.1:9612",
            "vigil query 'rate(http_requests_total[5m])' --start now-1h --step 1m --server http://metrics-host:9612",
            "vigil query 'up' --data-dir ./data                # offline, from a data directory",
            "vigil query 'sum by (job) (up)' --output json"], ServerReadExitCodes),
        ["vigil forecast"] = (["vigil forecast 'node_filesystem_avail_bytes{mountpoint=\"/\"}' --horizon 7d", "vigil forecast 'sum(rate(http_requests_total[5m]))' --horizon 6h --data-dir ./data --output csv"], ServerReadExitCodes),
        ["vigil analyze"] = ([
            "vigil analyze",
            "vigil analyze --state active --severity high,critical",
            "vigil analyze --server http://metrics-host:9612 --output json",
            "vigil analyze --data-dir ./data                   # offline, the insights the server saved"], ServerReadExitCodes),
        ["vigil top"] = (["vigil top", "vigil top --server http://metrics-host:9612 --interval 5s", "vigil top --once --output json", "vigil top --data-dir ./data --once   # offline, from a data directory"],
            "0 after Ctrl+C or --once, 1 when the server or data directory cannot be read, 2 usage error."),
        ["vigil check"] = (["vigil check config vigil.yaml", "vigil check rules rules/*.yml"], null),
        ["vigil check config"] = (["vigil check config vigil.yaml"], "0 when the file is valid, 1 when it has errors (each printed as file:line:col), 2 usage error."),
        ["vigil check rules"] = (["vigil check rules rules/*.yml"], "0 when every file is valid, 1 when one has errors (file:line:col), 2 usage error."),
        ["vigil test"] = (["vigil test rules tests/*.test.yml", "vigil test promql ../prometheus/promql/promqltest/testdata"], null),
        ["vigil test rules"] = (["vigil test rules alerts.test.yml"], "0 when every test passes, 1 when one fails (the differences are printed), 2 usage error."),
        ["vigil test promql"] = (["vigil test promql path/to/promqltest/testdata"], "0 when every script passes, 1 when one fails (file:line), 2 usage error."),
        ["vigil bench"] = (["vigil bench tsdb --series 10000", "vigil bench nab --detector vigil"], null),
        ["vigil bench tsdb"] = (["vigil bench tsdb --series 100000 --samples 120 > tsdb.json"], null),
        ["vigil bench generate"] = (["vigil bench generate --series 10000 --duration 2h -o data.om", "vigil import openmetrics data.om --data-dir ./data"], null),
        ["vigil bench nab"] = (["vigil bench nab                       # every detector on the NAB corpus, a progress bar per detector", "vigil bench nab --detector vigil --cv --json cv.json   # cross-validated by NAB category", "vigil bench nab --shipped              # at the thresholds vigil serve uses", "vigil bench nab --detector mad --param window=500 --json nab.json"], null),
        ["vigil bench forecast"] = (["vigil bench forecast                  # NAB dev files and the synthetic sets", "vigil bench forecast --synthetic-only --json forecast.json"], null),
        ["vigil bench optimize"] = (["vigil bench optimize                  # every scenario against its best static setting (simulated time)", "vigil bench optimize --scenario noisy-neighbour --log   # every trial and verdict", "vigil bench optimize --seed 3 --json optimize.json"], "0 every scenario met the goal, 1 at least one missed it, 2 bad arguments"),
        ["vigil bench insights"] = (["vigil bench insights                  # every scenario, precision and recall per engine", "vigil bench insights --seed 3 --scenario cpu-saturation --scenario idle-host --json insights.json"], null),
        ["vigil bench analysis"] = (["vigil bench analysis --series 10000 --interval 15s > analysis.json"], null),
        ["vigil profile"] = ([
            "vigil profile --pid 1234                                  # 30 s, hottest functions and bottlenecks",
            "vigil profile --pid 1234 --duration 1m --upload          # to the dashboard's Profiles page",
            "vigil profile -p 1234 -f speedscope -o cpu.speedscope.json",
            "vigil profile -p 1234 -f collapsed | flamegraph.pl > cpu.svg"],
            "0 success, 1 when the process cannot be sampled (not running, not .NET, no permission) or the upload fails, 2 usage error."),
        ["vigil optimize"] = (["vigil optimize list --status Pending", "vigil optimize approve 01a2f3 --token-file api.token"], null),
        ["vigil optimize list"] = (["vigil optimize list", "vigil optimize list --status Completed,RolledBack --output json"], ServerReadExitCodes),
        ["vigil optimize show"] = (["vigil optimize show 01a2f3", "vigil optimize show 01a2f3 --output json"], ServerReadExitCodes),
        ["vigil optimize approve"] = (["VIGIL_OPTIMIZER_TOKEN=$(cat api.token) vigil optimize approve 01a2f3"], null),
        ["vigil optimize reject"] = (["vigil optimize reject 01a2f3 --reason 'peak hour' --token-file api.token"], null),
        ["vigil optimize rollback"] = (["vigil optimize rollback 01a2f3 --token-file api.token"], null),
        ["vigil demo"] = (["vigil demo", "vigil demo --quick", "vigil demo --rate 300 --pool-size 1 --dir demo-run", "vigil demo --baseline 1m --settle 15s --observation 1m --timeout 30m"],
            "0 when the scenario ran to its end, 1 otherwise, 2 usage error."),
        ["vigil import"] = (["vigil import openmetrics data.om --data-dir ./data"], null),
        ["vigil import openmetrics"] = (["vigil import openmetrics export.om --data-dir ./data   # a progress bar on a terminal"],
            "0 success, 1 when the file is invalid (file:line:column; nothing written) or the directory is in use, 2 usage error."),
    };

    /// <summary>The examples of the command at <paramref name="path"/> (e.g. <c>vigil top</c>), empty when it has none.</summary>
    public static IReadOnlyList<string> ExamplesOf(string path) => Catalogue.TryGetValue(path, out var e) ? e.Examples : [];

    /// <summary>Makes the help of <paramref name="root"/> and all its subcommands print the examples and exit codes.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction help })
            {
                option.Action = new WithSections(help);
            }
        }
    }

    /// <summary>True when <paramref name="parse"/> asks for help (which is shown even when other arguments are missing).</summary>
    public static bool IsHelp(ParseResult parse) => parse.Action is WithSections or HelpAction;

    /// <summary>"vigil optimize list" for that command.</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(c is RootCommand ? "vigil" : c.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    private static void WriteSections(Command command, TextWriter output)
    {
        Catalogue.TryGetValue(PathOf(command), out var entry);
        if (entry.Examples is { Length: > 0 })
        {
            output.WriteLine("Examples:");
            foreach (string example in entry.Examples)
            {
                output.WriteLine("  " + example);
            }
            output.WriteLine();
        }
        output.WriteLine("Exit codes: " + (entry.ExitCodes ?? DefaultExitCodes));
        output.WriteLine();
    }

    /// <summary>The standard help, then the examples and exit codes of the command asked about.</summary>
    private sealed class WithSections(HelpAction standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int code = standard.Invoke(parseResult);
            WriteSections(parseResult.CommandResult.Command, parseResult.InvocationConfiguration.Output);
            return code;
        }
    }
}
