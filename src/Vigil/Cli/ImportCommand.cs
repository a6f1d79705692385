using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Vigil.Import;

namespace Vigil.Cli;

/// <summary><c>vigil import openmetrics FILE --data-dir DIR</c>: writes TSDB blocks from an OpenMetrics file.</summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "OpenMetrics text file whose samples all carry timestamps (ends with '# EOF')." };
        var dataDir = CommonOptions.DataDir("Data directory to write blocks into; it must not be in use by a running server.");
        var om = new Command("openmetrics", "Write blocks from an OpenMetrics file, like 'promtool tsdb create-blocks-from openmetrics'. The file is validated first: a bad line stops the import with file:line:column and nothing is written.")
        {
            file,
            dataDir,
        };
        om.SetAction((result, ct) =>
        {
            string path = result.GetValue(file)!;
            string dir = result.GetValue(dataDir)!;
            using var loggers = CliLogging.Create(LogLevel.Warning);
            var importer = new OpenMetricsImporter(loggers.CreateLogger("Vigil.Import"));
            long size = new FileInfo(path).Exists ? new FileInfo(path).Length : 0;
            ImportResult r;
            try
            {
                r = size > 8 * 1024 * 1024 && !Console.IsErrorRedirected
                    ? RunWithProgressBar(importer, path, dir, ct)
                    : importer.Import(path, dir, PercentLines(stderr, size), ct);
            }
            catch (ImportException e)
            {
                throw new CliException(e.Message);
            }
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {r.Samples} samples of {r.Series} series into {r.Blocks} block(s) in {dir}: {r.Bytes} bytes, {(r.Samples == 0 ? 0 : (double)r.Bytes / r.Samples):F3} bytes/sample"));
            return Task.FromResult(0);
        });
        return new Command("import", "Import data into a data directory.") { om };
    }

    private static ImportResult RunWithProgressBar(OpenMetricsImporter importer, string path, string dir, CancellationToken ct)
    {
        ImportResult? result = null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().Start(ctx =>
        {
            var tasks = new Dictionary<string, ProgressTask>();
            result = importer.Import(path, dir, (stage, done, total) =>
            {
                if (!tasks.TryGetValue(stage, out var task))
                {
                    task = ctx.AddTask(stage, maxValue: total);
                    tasks[stage] = task;
                }
                task.Value = done;
            }, ct);
        });
        return result!;
    }

    private static Action<string, long, long>? PercentLines(TextWriter stderr, long size)
    {
        if (size < 8 * 1024 * 1024)
        {
            return null;
        }
        var lastShown = new Dictionary<string, long>();
        return (stage, done, total) =>
        {
            long pct = total == 0 ? 100 : done * 100 / total;
            if (!lastShown.TryGetValue(stage, out long prev) || pct / 10 > prev / 10 || pct == 100)
            {
                lastShown[stage] = pct;
                stderr.WriteLine($"{stage}: {pct}%");
            }
        };
    }
}
