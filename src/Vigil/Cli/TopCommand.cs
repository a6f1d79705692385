using System.CommandLine;
using System.Runtime.InteropServices;
using Spectre.Console;
using Vigil.Cli.Top;
using Vigil.Core.Model;

namespace Vigil.Cli;

/// <summary>
/// <c>vigil top</c>: a live terminal view of host, .NET runtime and tool metrics, like <c>dotnet-counters monitor</c>,
/// from a running server or, with <c>--data-dir</c>, from a data directory offline.
/// </summary>
internal static class TopCommand
{
    public const string DefaultServer = CommonOptions.DefaultServer;

    public static Command Create(IStorageProvider storageProvider, TextWriter stdout, TextWriter stderr)
    {
        var server = CommonOptions.Server();
        var dataDir = CommonOptions.OfflineDataDir();
        var interval = new Option<string>("--interval")
        {
            Description = "How often to refresh, e.g. 1s, 5s.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "2s",
        };
        interval.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!PrometheusDuration.TryParse(token.Value, out var d, out string error))
                {
                    r.AddError("--interval: " + error);
                }
                else if (d < TimeSpan.FromMilliseconds(100))
                {
                    r.AddError("--interval: must be at least 100ms");
                }
            }
        });
        var once = new Option<bool>("--once") { Description = "Print one snapshot and exit instead of refreshing." };
        var output = CommonOptions.OutputFormat("table: tables (a live view on a terminal); json: one JSON object per refresh, one per line.");

        var command = new Command("top", "Show host, .NET runtime and tool metrics, refreshed live (like dotnet-counters monitor).")
        {
            server, dataDir, interval, once, output,
        };
        var auth = new ServerAuthOptions().AddTo(command);
        CommonOptions.AddSourceValidator(command, server, dataDir);
        command.SetAction(async (result, ct) =>
        {
            using ITopSource source = result.GetValue(dataDir) is { } dir
                ? new DataDirTopSource(storageProvider, dir)
                : new ServerTopSource(auth.Target(result, result.GetValue(server)!));
            return await RunAsync(source, PrometheusDuration.Parse(result.GetValue(interval)!), result.GetValue(once), result.GetValue(output) == "json", stdout, stderr, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ITopSource source, TimeSpan interval, bool once, bool json, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        void OnSignal(PosixSignalContext context)
        {
            // Note: end the refresh loop so the terminal is restored, then exit 0.
            context.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var reader = new TopReader(source, TimeProvider.System);

        TopSnapshot snapshot;
        try
        {
            snapshot = await reader.ReadAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        // Note: on a terminal the live view draws on the console itself (the CLI's stdout writer is buffered for
        // bulk output); redirected, every snapshot goes through stdout and is flushed.
        bool terminal = !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(terminal ? Console.Out : stdout),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        string? problem = null;

        async Task<bool> NextAsync()
        {
            try
            {
                await Task.Delay(interval, stop.Token).ConfigureAwait(false);
                snapshot = await reader.ReadAsync(stop.Token).ConfigureAwait(false);
                problem = null;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            catch (CliException e)
            {
                // Note: keep going through a server restart; the view shows why the numbers are old.
                problem = $"{DateTime.Now:HH:mm:ss} {e.Message}";
                if (json || !terminal)
                {
                    await stderr.WriteLineAsync("vigil: " + e.Message).ConfigureAwait(false);
                }
            }
            return true;
        }

        if (json)
        {
            do
            {
                if (problem is null)
                {
                    await stdout.WriteLineAsync(TopView.Json(snapshot)).ConfigureAwait(false);
                    await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            while (!once && await NextAsync().ConfigureAwait(false));
            return 0;
        }
        if (once || !terminal)
        {
            do
            {
                console.Write(TopView.Render(source, snapshot, interval, problem, live: false));
                console.WriteLine();
                await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            while (!once && await NextAsync().ConfigureAwait(false));
            return 0;
        }
        await console.Live(TopView.Render(source, snapshot, interval, problem, live: true)).AutoClear(false).StartAsync(async ctx =>
        {
            while (await NextAsync().ConfigureAwait(false))
            {
                ctx.UpdateTarget(TopView.Render(source, snapshot, interval, problem, live: true));
            }
        }).ConfigureAwait(false);
        return 0;
    }
}
