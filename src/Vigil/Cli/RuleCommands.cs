using System.CommandLine;
using Vigil.Rules;
using Vigil.Rules.Testing;

namespace Vigil.Cli;

/// <summary><c>vigil check rules FILE…</c> and <c>vigil test rules FILE…</c>, with promtool's output and exit codes.</summary>
internal static class RuleCommands
{
    /// <summary><c>vigil test</c> with its <c>rules</c> subcommand.</summary>
    public static Command CreateTest(IStorageProvider storage, TextWriter stdout, TextWriter stderr)
        => new("test", "Run unit tests: rule tests in promtool's format, PromQL test scripts in promqltest's format.")
        {
            TestRules(storage, stdout, stderr),
            TestPromQL(storage, stdout, stderr),
        };

    /// <summary><c>vigil check rules</c>, added to the <c>check</c> command.</summary>
    public static Command CheckRules(TextWriter stdout, TextWriter stderr)
    {
        var files = new Argument<string[]>("FILE") { Description = "Rule files in Prometheus's format.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("rules", "Check rule files: YAML structure, PromQL, names and templates. Prints 'SUCCESS: N rules found' per file; exit code 1 on errors.") { files };
        command.SetAction(result => Check(result.GetValue(files)!, stdout, stderr));
        return command;
    }

    /// <summary>Checks each file as promtool does; returns 1 when any file has errors.</summary>
    public static int Check(IReadOnlyList<string> files, TextWriter stdout, TextWriter stderr)
    {
        bool failed = false;
        foreach (string f in files)
        {
            stdout.WriteLine("Checking " + f);
            var parsed = RuleFileParser.ParseFile(f);
            if (parsed.Errors.Count > 0)
            {
                stderr.WriteLine("  FAILED:");
                foreach (var e in parsed.Errors)
                {
                    stderr.WriteLine(e.ToString());
                }
                failed = true;
            }
            else
            {
                int n = parsed.Groups.Sum(g => g.Rules.Count);
                stdout.WriteLine("  SUCCESS: " + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + " rules found");
            }
            stdout.WriteLine();
        }
        return failed ? 1 : 0;
    }

    private static Command TestRules(IStorageProvider storage, TextWriter stdout, TextWriter stderr)
    {
        var files = new Argument<string[]>("FILE") { Description = "Unit test files in promtool's format.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("rules", "Run rule unit tests (promtool's format); exit code 1 when a test fails.") { files };
        command.SetAction(result => new RuleUnitTester(storage.OpenInMemory).Run(result.GetValue(files)!, stdout, stderr));
        return command;
    }

    private static Command TestPromQL(IStorageProvider storage, TextWriter stdout, TextWriter stderr)
    {
        var dir = new Argument<string?>("DIR")
        {
            Description = "A directory of promqltest scripts (*.test), as in Prometheus's promql/promqltest/testdata. Default: $VIGIL_PROMQL_TESTDATA.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("promql", "Run PromQL test scripts (Prometheus's promqltest format) against Vigil's engine; prints per-file pass counts and each failure as file:line; exit code 1 when an eval fails.")
        {
            dir,
        };
        command.SetAction(result =>
        {
            string? path = result.GetValue(dir) ?? Environment.GetEnvironmentVariable("VIGIL_PROMQL_TESTDATA");
            if (string.IsNullOrEmpty(path))
            {
                stderr.WriteLine("vigil test promql: no directory given; pass DIR or set VIGIL_PROMQL_TESTDATA");
                return 2;
            }
            if (!Directory.Exists(path))
            {
                stderr.WriteLine($"vigil test promql: directory \"{path}\" does not exist");
                return 2;
            }
            return new Vigil.PromQL.Testing.PromQLTestRunner(storage.OpenInMemory).RunDirectory(path, stdout);
        });
        return command;
    }
}
