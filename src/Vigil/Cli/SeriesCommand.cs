using System.CommandLine;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Cli;

/// <summary><c>vigil series</c>: lists the series matching selectors, from a data directory or a running server.</summary>
internal static class SeriesCommand
{
    private static readonly IComparer<LabelSet> LabelOrder = Comparer<LabelSet>.Create(LabelSet.Compare);

    public static Command Create(IStorageProvider storageProvider, TextWriter stdout, TextWriter stderr)
    {
        var match = CommonOptions.Match("Series selector, e.g. node_cpu_seconds_total{mode=\"idle\"}; repeat for several (their union is listed).");
        var server = CommonOptions.Server();
        var dataDir = CommonOptions.OfflineDataDir();
        var output = CommonOptions.OutputFormat("table: one series per line in label order; json: an array of label objects, as /api/v1/series answers.");
        var command = new Command("series", "List the series matching selectors, one per line in label order.") { match, server, dataDir, output };
        CommonOptions.AddSourceValidator(command, server, dataDir);
        var auth = new ServerAuthOptions().AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            string[] selectors = result.GetValue(match)!;
            var labels = result.GetValue(dataDir) is { } dir
                ? await FromDataDirAsync(storageProvider, dir, selectors).ConfigureAwait(false)
                : await FromServerAsync(auth.Target(result, result.GetValue(server)!), selectors, stderr, ct).ConfigureAwait(false);
            if (result.GetValue(output) == "json")
            {
                using var buffer = new MemoryStream();
                using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    w.WriteStartArray();
                    foreach (var l in labels)
                    {
                        w.WriteStartObject();
                        foreach (var label in l)
                        {
                            w.WriteString(label.Name, label.Value);
                        }
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                await stdout.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
                return 0;
            }
            foreach (var l in labels)
            {
                await stdout.WriteLineAsync(l.ToString()).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    private static async Task<SortedSet<LabelSet>> FromDataDirAsync(IStorageProvider provider, string dataDir, string[] selectors)
    {
        var found = new SortedSet<LabelSet>(LabelOrder);
        var store = DataDirs.OpenReadOnly(provider, dataDir);
        try
        {
            using var q = store.Querier(Timestamp.Min, Timestamp.Max);
            var hints = new SelectHints(Timestamp.Min, Timestamp.Max, Func: "series");
            foreach (var selector in selectors)
            {
                var set = q.Select(true, hints, SelectorOrThrow(selector));
                while (set.MoveNext())
                {
                    found.Add(set.Current.Labels);
                }
                if (set.Error is not null)
                {
                    throw new CliException($"reading {dataDir}: {set.Error.Message}");
                }
            }
        }
        finally
        {
            await ServeCommand.CloseAsync(store).ConfigureAwait(false);
        }
        return found;
    }

    private static async Task<SortedSet<LabelSet>> FromServerAsync(ServerTarget target, string[] selectors, TextWriter stderr, CancellationToken ct)
    {
        using var remote = new RemoteServer(target);
        using var response = await remote.PostAsync("api/v1/series", RemoteServer.Form(selectors), ct).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: ct).ConfigureAwait(false);
        var found = new SortedSet<LabelSet>(LabelOrder);
        foreach (var series in doc.RootElement.GetProperty("data").EnumerateArray())
        {
            found.Add(DataDirs.LabelsFromJson(series));
        }
        if (doc.RootElement.TryGetProperty("warnings", out var warnings))
        {
            foreach (var w in warnings.EnumerateArray())
            {
                await stderr.WriteLineAsync("vigil: warning: " + w.GetString()).ConfigureAwait(false);
            }
        }
        return found;
    }

    internal static LabelMatcher[] SelectorOrThrow(string selector)
        => CliValues.TryParseSelector(selector, out var matchers, out string error) ? matchers : throw new CliException(error, 2);
}
