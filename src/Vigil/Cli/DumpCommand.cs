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
        var dataDir = CommonOptions.OfflineDataDir();
        var output = CommonOptions.OutputFormat("table: one 'labels value timestamp_ms' line per sample; json: one line per series as /api/v1/export writes it ({\"metric\":…,\"values\":[…],\"timestamps\":[…]}).");
        var command = new Command("dump", "Print the samples of matching series, one 'labels value timestamp_ms' line per sample.") { match, from, to, server, dataDir, output };
        CommonOptions.AddSourceValidator(command, server, dataDir);
        var auth = new ServerAuthOptions().AddTo(command);
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
            var writer = new SeriesWriter(stdout, result.GetValue(output) == "json");
            if (result.GetValue(dataDir) is { } dir)
            {
                await FromDataDirAsync(storageProvider, dir, selectors, start, end, writer, ct).ConfigureAwait(false);
            }
            else
            {
                await FromServerAsync(auth.Target(result, result.GetValue(server)!), selectors, start, end, result.GetResult(from) is not null, result.GetResult(to) is not null, writer, ct).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    private static async Task FromDataDirAsync(IStorageProvider provider, string dataDir, string[] selectors, long start, long end, SeriesWriter writer, CancellationToken ct)
    {
        var store = DataDirs.OpenReadOnly(provider, dataDir);
        var problems = new List<string>();
        int unreadable = 0;
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
                problems.AddRange(set.Warnings.Where(w => !problems.Contains(w)));
            }
            ISampleIterator? it = null;
            var samples = new List<(long T, double V)>();
            foreach (var (labels, s) in series)
            {
                ct.ThrowIfCancellationRequested();
                samples.Clear();
                it = s.Iterator(it);
                while (it.Next())
                {
                    if (it.T >= start && it.T <= end)
                    {
                        samples.Add((it.T, it.V));
                    }
                }
                if (it.Error is not null)
                {
                    // Note: one damaged series does not hide the others; the dump still fails at the end.
                    unreadable++;
                    problems.Add($"reading {labels}: {it.Error.Message}");
                    continue;
                }
                await writer.WriteAsync(labels, samples).ConfigureAwait(false);
            }
            if (problems.Count > 0)
            {
                throw Incomplete(dataDir, unreadable, series.Count, problems);
            }
        }
        finally
        {
            await ServeCommand.CloseAsync(store).ConfigureAwait(false);
        }
    }

    private static async Task FromServerAsync(ServerTarget target, string[] selectors, long start, long end, bool hasFrom, bool hasTo, SeriesWriter writer, CancellationToken ct)
    {
        using var remote = new RemoteServer(target);
        var form = RemoteServer.Form(selectors, hasFrom ? start : null, hasTo ? end : null);
        using var response = await remote.PostAsync("api/v1/export", form, ct).ConfigureAwait(false);
        await foreach (var line in RemoteServer.ReadLinesAsync(response, ct).ConfigureAwait(false))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.GetString() == "error")
            {
                // The export's last line when some data could not be read: everything printed so far is intact, but not all.
                string error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "export incomplete";
                throw new CliException($"{target.Url}: {error}");
            }
            var labels = DataDirs.LabelsFromJson(root.GetProperty("metric"));
            var values = root.GetProperty("values").EnumerateArray().ToList();
            var timestamps = root.GetProperty("timestamps").EnumerateArray().ToList();
            if (values.Count != timestamps.Count)
            {
                throw new CliException($"{target.Url}: export line for {labels} has {values.Count} values but {timestamps.Count} timestamps");
            }
            var samples = new List<(long T, double V)>(values.Count);
            for (int i = 0; i < values.Count; i++)
            {
                double v = values[i].ValueKind == JsonValueKind.String ? ParseSpecial(values[i].GetString()!) : values[i].GetDouble();
                samples.Add((timestamps[i].GetInt64(), v));
            }
            await writer.WriteAsync(labels, samples).ConfigureAwait(false);
        }
    }

    private static CliException Incomplete(string dataDir, int unreadable, int total, List<string> problems)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{dataDir}: the dump is incomplete");
        if (unreadable > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" ({unreadable} of {total} series could not be read and were left out)");
        }
        foreach (string problem in problems.Take(20))
        {
            sb.Append("\n  ").Append(problem);
        }
        if (problems.Count > 20)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n  … and {problems.Count - 20} more");
        }
        return new CliException(sb.ToString());
    }

    private static double ParseSpecial(string s) => s switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>Writes one series' samples as lines of text or as one JSON line.</summary>
    private sealed class SeriesWriter(TextWriter stdout, bool json)
    {
        public async Task WriteAsync(LabelSet labels, List<(long T, double V)> samples)
        {
            if (!json)
            {
                string prefix = labels.ToString() + " ";
                foreach (var (t, v) in samples)
                {
                    await stdout.WriteLineAsync(prefix + CliValues.FormatValue(v) + " " + t.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                }
                return;
            }
            if (samples.Count == 0)
            {
                return;
            }
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteStartObject("metric");
                foreach (var l in labels)
                {
                    w.WriteString(l.Name, l.Value);
                }
                w.WriteEndObject();
                w.WriteStartArray("values");
                foreach (var (_, v) in samples)
                {
                    // Note: JSON has no NaN or infinities; /api/v1/export writes them as these strings too.
                    if (double.IsFinite(v))
                    {
                        w.WriteNumberValue(v);
                    }
                    else
                    {
                        w.WriteStringValue(CliValues.FormatValue(v));
                    }
                }
                w.WriteEndArray();
                w.WriteStartArray("timestamps");
                foreach (var (t, _) in samples)
                {
                    w.WriteNumberValue(t);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            await stdout.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
        }
    }
}
