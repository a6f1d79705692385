using System.CommandLine;
using System.Text.Json;
using Vigil.Bench;

namespace Vigil.Cli;

/// <summary><c>vigil bench forecast</c>: accuracy and interval coverage of <c>vigil forecast</c>'s model on held-back data.</summary>
internal static class BenchForecastCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var data = new Option<string?>("--data")
        {
            Description = "NAB-style folder whose data/ series are the dev set. Default: shared/testdata/nab found above the current directory, or $VIGIL_TESTDATA/nab.",
            HelpName = "DIR",
        };
        var syntheticOnly = new Option<bool>("--synthetic-only") { Description = "Only the generated seasonal and flat-rate series (no NAB files needed)." };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file.", HelpName = "FILE" };
        var command = new Command("forecast", "Forecast the held-back last fifth of each dev series (NAB files) and of seeded synthetic seasonal and flat-rate series; print MASE against the seasonal naive forecast and 80 %/95 % interval coverage.")
        {
            data, syntheticOnly, json,
        };
        command.SetAction(async (result, ct) =>
        {
            var inputs = new List<ForecastBench.Input>();
            string? dir = null;
            if (!result.GetValue(syntheticOnly))
            {
                dir = result.GetValue(data) ?? BenchNabCommand.DefaultDataDir();
                NabBench nab;
                try
                {
                    nab = NabBench.Load(dir);
                }
                catch (Exception e) when (e is InvalidDataException or JsonException or ArgumentException or IOException)
                {
                    throw new CliException(e.Message);
                }
                inputs.AddRange(nab.Files.Select(f => new ForecastBench.Input("nab", f.Name, f.Values, 0)));
            }
            inputs.AddRange(SyntheticForecastData.Seasonal().Select(s => new ForecastBench.Input("synthetic-seasonal", s.Name, s.Values, s.Period)));
            inputs.AddRange(SyntheticForecastData.FlatRates().Select(s => new ForecastBench.Input("synthetic-flat", s.Name, s.Values, s.Period)));
            int done = 0;
            var rows = ForecastBench.Run(inputs, _ =>
            {
                ct.ThrowIfCancellationRequested();
                stderr.Write($"\rforecast {++done}/{inputs.Count} series");
                stderr.Flush();
            });
            stderr.WriteLine();
            var summaries = ForecastBench.Summarize(rows,
            [
                ("nab (all dev files)", r => r.Set == "nab"),
                ("nab, season found", r => r.Set == "nab" && r.DetectedPeriod > 0),
                ("nab, no season", r => r.Set == "nab" && r.DetectedPeriod == 0),
                ("synthetic seasonal", r => r.Set == "synthetic-seasonal"),
                ("synthetic flat rates", r => r.Set == "synthetic-flat"),
            ]);
            await stdout.WriteAsync(ForecastBench.Format(rows, summaries)).ConfigureAwait(false);
            if (result.GetValue(json) is { } path)
            {
                await File.WriteAllTextAsync(path, ForecastBench.ToJson(rows, summaries, dir).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }
}
