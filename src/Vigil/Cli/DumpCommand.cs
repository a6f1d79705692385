using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Cli;

/// <summary>
/// <c>vigil dump</c>: prints the raw samples of matching series as <c>labels value timestamp_ms</c> lines, like
/// <c>promtool tsdb dump</c>, from a data directory (read-only) or a running server.
/// </summary>
internal static class DumpCommand
{
    private static readonly IComparer<LabelSet> LabelOrder = Comparer<LabelSet>.Create(LabelSet.Compare);

    public static Command Create(IStorageProvider storageProvider, TextWriter stdout)
    {
        var match = CommonOptions.Match("Series selector, e.g. node_load1 or {job=\"vigil\"}; repeat for several.");
        var from = CommonOptions.Time("--from", "First timestamp to print (inclusive): Unix seconds, RFC 3339, now or now-1h. Default: the oldest sample.");
        var to = CommonOptions.Time("--to", "Last timestamp to print (inclusive), same forms as --from. Default: the newest sample.");
        var server = CommonOptions.Server();
        var dataDir = CommonOptions.DataDir("Data directory to read, read-only (works while a server runs on it). Default when --server is not given.");
        var command = new Command("dump", "Print the samples of matching series, one 'labels value timestamp_ms' line per sample.") { match, from, to, server, dataDir };
        CommonOptions.AddSourceValidator(command, server, dataDir);
        command.SetAction(async (result, ct) =>
        {
            long now = Timestamp.Now();
            long start = CommonOptions.TimeValue(result, from, now) ?? Timestamp.Min;
            long end = CommonOptions.TimeValue(result, to, now) ?? Timestamp.Max;
            if (end < start)
            {
                throw new CliException($"--to ({end}) is before --from ({start})", 2);
            }
            string[] selectors = result.GetValue(match)!;
            if (result.GetValue(server) is { } url)
            {
                await FromServerAsync(url, selectors, start, end, result.GetResult(from) is not null, result.GetResult(to) is not null, stdout, ct).ConfigureAwait(false);
            }
            else
            {
                await FromDataDirAsync(storageProvider, result.GetValue(dataDir)!, selectors, start, end, stdout, ct).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    private static async Task FromDataDirAsync(IStorageProvider provider, string dataDir, string[] selectors, long start, long end, TextWriter stdout, CancellationToken ct)
    {
        var store = DataDirs.OpenReadOnly(provider, dataDir);
        try
        {
            using var q = store.Querier(start, end);
            var hints = new SelectHints(start, end);
            var series = new SortedDictionary<LabelSet, ISeries>(LabelOrder);
            foreach (var selector in selectors)
            {
                var set = q.Select(true, hints, SeriesCommand.SelectorOrThrow(selector));
                while (set.MoveNext())
                {
                    series.TryAdd(set.Current.Labels, set.Current);
                }
                if (set.Error is not null)
                {
                    throw new CliException($"reading {dataDir}: {set.Error.Message}");
                }
            }
            ISampleIterator? it = null;
            foreach (var (labels, s) in series)
            {
                ct.ThrowIfCancellationRequested();
                string prefix = labels.ToString() + " ";
                it = s.Iterator(it);
                while (it.Next())
                {
                    if (it.T >= start && it.T <= end)
                    {
                        await WriteSampleAsync(stdout, prefix, it.V, it.T).ConfigureAwait(false);
                    }
                }
                if (it.Error is not null)
                {
                    throw new CliException($"reading {labels} in {dataDir}: {it.Error.Message}");
                }
            }
        }
        finally
        {
            await ServeCommand.CloseAsync(store).ConfigureAwait(false);
        }
    }

    private static async Task FromServerAsync(Uri url, string[] selectors, long start, long end, bool hasFrom, bool hasTo, TextWriter stdout, CancellationToken ct)
    {
        using var remote = new RemoteServer(url);
        var form = RemoteServer.Form(selectors, hasFrom ? start : null, hasTo ? end : null);
        using var response = await remote.PostAsync("api/v1/export", form, ct).ConfigureAwait(false);
        await foreach (var line in RemoteServer.ReadLinesAsync(response, ct).ConfigureAwait(false))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            string prefix = DataDirs.LabelsFromJson(root.GetProperty("metric")).ToString() + " ";
            var values = root.GetProperty("values").EnumerateArray().ToList();
            var timestamps = root.GetProperty("timestamps").EnumerateArray().ToList();
            if (values.Count != timestamps.Count)
            {
                throw new CliException($"{url}: export line for {prefix.Trim()} has {values.Count} values but {timestamps.Count} timestamps");
            }
            for (int i = 0; i < values.Count; i++)
            {
                double v = values[i].ValueKind == JsonValueKind.String ? ParseSpecial(values[i].GetString()!) : values[i].GetDouble();
                await WriteSampleAsync(stdout, prefix, v, timestamps[i].GetInt64()).ConfigureAwait(false);
            }
        }
    }

    private static double ParseSpecial(string s) => s switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static Task WriteSampleAsync(TextWriter stdout, string prefix, double v, long t)
        => stdout.WriteLineAsync(prefix + CliValues.FormatValue(v) + " " + t.ToString(CultureInfo.InvariantCulture));
}
