using System.CommandLine;
using System.CommandLine.Parsing;
using Vigil.Core.Storage;

namespace Vigil.Cli;

/// <summary>The <c>vigil</c> command line: builds the commands and runs them with Vigil's exit codes.</summary>
/// <remarks>Exit codes: 0 success (also after SIGINT/SIGTERM), 1 failure, 2 usage error (unknown option, bad value).</remarks>
internal static class VigilCli
{
    public const int UsageError = 2;

    public static RootCommand CreateRootCommand(IStorageProvider storage, TextWriter stdout, TextWriter stderr) => new(
        "Vigil: self-hosted performance monitoring with an embedded Prometheus-style time-series database.")
    {
        ServeCommand.Create(storage, stderr),
        SeriesCommand.Create(storage, stdout, stderr),
        DumpCommand.Create(storage, stdout),
        QueryCommand.Create(storage, stdout, stderr),
        ForecastCommand.Create(storage, stdout, stderr),
        AnalyzeCommand.Create(stdout),
        TopCommand.Create(storage, stdout, stderr),
        CheckCommand.Create(stdout, stderr, RuleCommands.CheckRules(stdout, stderr)),
        RuleCommands.CreateTest(storage, stdout, stderr),
        BenchCommand.Create(storage, stdout, stderr),
        ProfileCommand.Create(stdout, stderr),
        OptimizeCommand.Create(stdout),
        Demo.DemoCommand.Create(stdout, stderr),
    };

    /// <summary>Parses and runs <paramref name="args"/>; <paramref name="extend"/> may add commands (the composition root's).</summary>
    public static async Task<int> RunAsync(string[] args, IStorageProvider storage, TextWriter stdout, TextWriter stderr,
        Action<RootCommand>? extend = null, CancellationToken ct = default)
    {
        var root = CreateRootCommand(storage, stdout, stderr);
        extend?.Invoke(root);
        CliHelp.Install(root);
        var config = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // Note: 'serve' handles SIGINT/SIGTERM itself so it can shut down cleanly and exit 0.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            if (args.Length == 0)
            {
                await root.Parse(["--help"]).InvokeAsync(config, ct).ConfigureAwait(false);
                return UsageError;
            }
            var parse = root.Parse(args);
            // Note: --help answers even when required arguments are missing, as users type "vigil query --help".
            if (parse.Errors.Count > 0 && !CliHelp.IsHelp(parse))
            {
                foreach (var error in parse.Errors)
                {
                    await stderr.WriteLineAsync("vigil: " + error.Message).ConfigureAwait(false);
                }
                await stderr.WriteLineAsync($"Run '{CommandPath(parse.CommandResult)} --help' for usage.").ConfigureAwait(false);
                return UsageError;
            }
            return await parse.InvokeAsync(config, ct).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            await stderr.WriteLineAsync("vigil: " + e.Message).ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync("vigil: " + e.Message).ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Note: the last resort; a person gets one line, never a .NET type name or stack trace.
            await stderr.WriteLineAsync("vigil: " + Core.Diagnostics.UserMessage.Of(e)).ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await stderr.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Add(c.Parent is null ? "vigil" : c.Command.Name);
            }
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
