using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Vigil.Cli;

/// <summary>
/// <c>vigil optimize list|show|approve|reject|rollback</c>: the optimizer's history and decisions on a running server
/// (<c>/api/v1/optimizations</c>).
/// </summary>
internal static class OptimizeCommand
{
    /// <summary>What <c>vigil optimize list</c> says when the server's optimizer is off.</summary>
    internal const string OffHint =
        "The optimizer is off on this server: add an optimization: section with mode: recommend, approve or auto (and policies or objectives) to vigil.yaml and reload it (save the file, kill -HUP or POST /-/reload; a server started without --config needs vigil serve --config vigil.yaml). See docs/OPTIMIZATION.md.";

    /// <summary>The server asked when <c>--server</c> is not given.</summary>
    public const string DefaultServer = CommonOptions.DefaultServer;

    /// <summary>The environment variable holding the optimizer API token when <c>--token-file</c> is not given.</summary>
    public const string TokenVariable = "VIGIL_OPTIMIZER_TOKEN";

    public static Command Create(TextWriter stdout)
    {
        var command = new Command("optimize", "Inspect and decide on the optimizer's actions on a running server.");
        command.Subcommands.Add(List(stdout));
        command.Subcommands.Add(Show(stdout));
        command.Subcommands.Add(Decide("approve", "Execute a pending action (approve mode).", stdout, withReason: false));
        command.Subcommands.Add(Decide("reject", "Reject a pending action or recommendation.", stdout, withReason: true));
        command.Subcommands.Add(Decide("rollback", "Undo a running or completed action (restores the value captured before it).", stdout, withReason: false));
        return command;
    }

    private static Option<Uri> ServerOption() => CommonOptions.RunningServer("The Vigil server, e.g. " + DefaultServer + ".");

    private static Option<string> OutputOption() => CommonOptions.OutputFormat("table (for people) or json (the API's data).");

    private static Argument<string> IdArgument() => new("id") { Description = "The execution id (or a unique prefix of at least 4 characters)." };

    private static Command List(TextWriter stdout)
    {
        var server = ServerOption();
        var output = OutputOption();
        var status = new Option<string?>("--status")
        {
            Description = "Only these statuses, comma-separated: Pending, Running, Completed, Failed, RolledBack, Rejected.",
            HelpName = "STATUS",
        };
        var limit = new Option<int>("--limit")
        {
            Description = "The most executions to list, newest first.",
            HelpName = "N",
            DefaultValueFactory = _ => 50,
        };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0)
            {
                r.AddError("--limit: must be a positive number");
            }
        });
        var command = new Command("list", "List the optimizer's executions, newest first.") { server, status, limit, output };
        var auth = new ServerAuthOptions().AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var query = new StringBuilder("api/v1/optimizations?limit=").Append(result.GetValue(limit).ToString(CultureInfo.InvariantCulture));
            if (result.GetValue(status) is { Length: > 0 } s)
            {
                query.Append("&status=").Append(Uri.EscapeDataString(s));
            }
            using var client = new Client(auth.Target(result, result.GetValue(server)!), null);
            using var doc = await client.SendAsync(HttpMethod.Get, query.ToString(), ct).ConfigureAwait(false);
            var data = doc.RootElement.GetProperty("data");
            if (result.GetValue(output) == "json")
            {
                await stdout.WriteLineAsync(data.GetRawText()).ConfigureAwait(false);
                return 0;
            }
            string mode = data.GetProperty("mode").GetString() ?? "off";
            await stdout.WriteLineAsync("mode: " + mode).ConfigureAwait(false);
            if (mode == "off")
            {
                await stdout.WriteLineAsync(OffHint).ConfigureAwait(false);
            }
            var rows = new List<string[]> { new[] { "ID", "STATUS", "PHASE", "MODE", "POLICY", "TYPE", "TARGET", "IMPACT", "CREATED" } };
            foreach (var e in data.GetProperty("executions").EnumerateArray())
            {
                var action = e.GetProperty("action");
                rows.Add(
                [
                    Str(e, "id")[..Math.Min(12, Str(e, "id").Length)],
                    Str(e, "status"),
                    Str(e, "phase"),
                    Str(e, "mode").ToLowerInvariant(),
                    Str(action, "policy"),
                    Str(action, "type"),
                    Str(action, "target"),
                    e.TryGetProperty("actualImpact", out var impact) ? Percent(impact) : "-",
                    Str(e, "createdAt"),
                ]);
            }
            await WriteTableAsync(stdout, rows).ConfigureAwait(false);
            await WriteObjectivesAsync(client, stdout, ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The lever decider's objectives: state, value, verdict with what was tried, and what is escalated to a person.</summary>
    private static async Task WriteObjectivesAsync(Client client, TextWriter stdout, CancellationToken ct)
    {
        JsonDocument doc;
        try
        {
            doc = await client.SendAsync(HttpMethod.Get, "api/v1/optimizations/objectives", ct).ConfigureAwait(false);
        }
        catch (CliException)
        {
            // Note: a server older than the lever decider has no objectives endpoint; the executions above are all it has.
            return;
        }
        using (doc)
        {
            var objectives = doc.RootElement.GetProperty("data").GetProperty("objectives");
            if (objectives.GetArrayLength() == 0)
            {
                return;
            }
            var sb = new StringBuilder().AppendLine().AppendLine("objectives:");
            foreach (var o in objectives.EnumerateArray())
            {
                string value = o.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number
                    ? v.GetDouble().ToString("G4", CultureInfo.InvariantCulture) : "no data";
                string threshold = o.TryGetProperty("threshold", out var t) && t.ValueKind == JsonValueKind.Number
                    ? (Str(o, "better") == "Higher" ? " (≥ " : " (≤ ") + t.GetDouble().ToString("G4", CultureInfo.InvariantCulture) + ")" : string.Empty;
                sb.Append("  ").Append(Str(o, "name")).Append(": ").Append(Str(o, "target")).Append(' ').Append(value).Append(threshold)
                    .Append(", epoch ").Append(Member(o, "epoch")).Append(", ");
                if (o.TryGetProperty("verdict", out var verdict))
                {
                    sb.Append("verdict ").Append(verdict.GetString()).Append(": ").AppendLine(Str(o, "reason"));
                    foreach (var e in o.GetProperty("escalations").EnumerateArray())
                    {
                        sb.Append("    escalated: ").AppendLine(e.GetString());
                    }
                }
                else
                {
                    sb.Append(Str(o, "state")).Append(": ").AppendLine(Str(o, "detail"));
                }
            }
            await stdout.WriteAsync(sb.ToString()).ConfigureAwait(false);
        }
    }

    private static Command Show(TextWriter stdout)
    {
        var server = ServerOption();
        var output = OutputOption();
        var id = IdArgument();
        var command = new Command("show", "Show one execution: action, trigger, times, values, evaluation evidence, notes.") { id, server, output };
        var auth = new ServerAuthOptions().AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            using var client = new Client(auth.Target(result, result.GetValue(server)!), null);
            using var doc = await client.SendAsync(HttpMethod.Get, "api/v1/optimizations/" + Uri.EscapeDataString(result.GetValue(id)!), ct).ConfigureAwait(false);
            var e = doc.RootElement.GetProperty("data");
            if (result.GetValue(output) == "json")
            {
                await stdout.WriteLineAsync(e.GetRawText()).ConfigureAwait(false);
                return 0;
            }
            await stdout.WriteAsync(Describe(e)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Decide(string verb, string description, TextWriter stdout, bool withReason)
    {
        var server = ServerOption();
        var id = IdArgument();
        var tokenFile = new Option<FileInfo?>("--token-file")
        {
            Description = $"A file holding the optimizer API token (optimization.api_token_file) for a server without a web configuration; default: the {TokenVariable} environment variable. With --auth-file or {ServerAuthOptions.TokenVariable}, those are sent instead.",
            HelpName = "FILE",
        };
        var by = new Option<string?>("--by") { Description = "Who decides (recorded in the execution's notes); default: the user name.", HelpName = "NAME" };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the notes).", HelpName = "TEXT" };
        var command = new Command(verb, description) { id, server, tokenFile, by };
        var auth = new ServerAuthOptions().AddTo(command);
        if (withReason)
        {
            command.Options.Add(reason);
        }
        command.SetAction(async (result, ct) =>
        {
            string? token = Environment.GetEnvironmentVariable(TokenVariable);
            if (result.GetValue(tokenFile) is { } file)
            {
                try
                {
                    token = (await File.ReadAllTextAsync(file.FullName, ct).ConfigureAwait(false)).Trim();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new CliException($"--token-file {file.FullName}: {ex.Message}");
                }
            }
            var form = new List<KeyValuePair<string, string>> { new("by", result.GetValue(by) ?? Environment.UserName) };
            if (withReason && result.GetValue(reason) is { } r)
            {
                form.Add(new("reason", r));
            }
            using var client = new Client(auth.Target(result, result.GetValue(server)!), string.IsNullOrEmpty(token) ? null : token);
            using var doc = await client.SendAsync(HttpMethod.Post, $"api/v1/optimizations/{Uri.EscapeDataString(result.GetValue(id)!)}/{verb}", ct, form).ConfigureAwait(false);
            var e = doc.RootElement.GetProperty("data");
            await stdout.WriteLineAsync($"{Str(e, "id")}: {Str(e, "status")} ({Str(e, "phase").ToLowerInvariant()})").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The human-readable form of one execution (<c>vigil optimize show</c>).</summary>
    internal static string Describe(JsonElement e)
    {
        var sb = new StringBuilder();
        var action = e.GetProperty("action");
        sb.Append("Optimization ").Append(Str(e, "id")).AppendLine();
        Line(sb, "status", $"{Str(e, "status")} ({Str(e, "phase").ToLowerInvariant()}), {Str(e, "mode").ToLowerInvariant()} mode");
        Line(sb, "action", $"{Str(action, "type")} {Str(action, "target")} via {Str(action, "executor")}"
            + (action.TryGetProperty("parameters", out var ps) && ps.EnumerateObject().Any()
                ? " (" + string.Join(", ", ps.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString())) + ")"
                : string.Empty));
        Line(sb, "policy", $"{Str(action, "policy")}, priority {Member(action, "priority")}, estimated impact {Percent(action.GetProperty("estimatedImpact"))}");
        if (Str(action, "description") is { Length: > 0 } description)
        {
            Line(sb, "description", description);
        }
        if (e.TryGetProperty("trigger", out var t))
        {
            string labels = string.Join(", ", t.GetProperty("labels").EnumerateObject().Select(l => $"{l.Name}=\"{l.Value.GetString()}\""));
            Line(sb, "trigger", $"{Str(t, "source")} {Str(t, "type")}" + (Str(t, "severity") is { Length: > 0 } sev ? $" ({sev})" : string.Empty)
                + $" {{{labels}}} value {Member(t, "value")}");
        }
        foreach (var (key, label) in new[] { ("createdAt", "created"), ("startTime", "started"), ("appliedAt", "applied"), ("endTime", "ended") })
        {
            if (e.TryGetProperty(key, out var time))
            {
                Line(sb, label, time.GetString()!);
            }
        }
        if (e.TryGetProperty("previousValue", out var prev) || e.TryGetProperty("appliedValue", out _))
        {
            string before = prev.ValueKind == JsonValueKind.String ? prev.GetString()! : "?";
            string after = e.TryGetProperty("appliedValue", out var av) ? av.GetString()! : "?";
            Line(sb, "value", before + " -> " + after);
        }
        if (e.TryGetProperty("actualImpact", out var impact))
        {
            Line(sb, "impact", Percent(impact));
        }
        if (e.TryGetProperty("evidence", out var ev))
        {
            Line(sb, "evaluation", (ev.GetProperty("keep").GetBoolean() ? "kept: " : "rolled back: ") + Str(ev, "reason"));
            Line(sb, "baseline", Str(ev, "baselineStart") + " to " + Str(ev, "baselineEnd"));
            Line(sb, "observation", Str(ev, "observationStart") + " to " + Str(ev, "observationEnd"));
            var rows = new List<string[]> { new[] { "  METRIC", "ROLE", "BASELINE", "OBSERVATION", "CHANGE", "P-VALUE", "EFFECT", "RESULT" } };
            foreach (var m in ev.GetProperty("metrics").EnumerateArray())
            {
                rows.Add(
                [
                    "  " + Str(m, "name"),
                    Str(m, "role").ToLowerInvariant(),
                    Window(m.GetProperty("baseline")),
                    Window(m.GetProperty("observation")),
                    m.TryGetProperty("relativeChange", out var rc) ? Percent(rc) : "-",
                    m.TryGetProperty("pValue", out var p) ? Num(p, "G3") : "-",
                    m.TryGetProperty("effectSize", out var es) ? Num(es, "0.00") : "-",
                    Str(m, "classification"),
                ]);
            }
            sb.Append(Table(rows));
        }
        if (Str(e, "error") is { Length: > 0 } error)
        {
            Line(sb, "error", error);
        }
        if (Str(e, "output") is { Length: > 0 } output)
        {
            sb.AppendLine("output:");
            foreach (string l in output.Split('\n'))
            {
                sb.Append("  ").AppendLine(l.TrimEnd('\r'));
            }
        }
        sb.AppendLine("notes:");
        foreach (var n in e.GetProperty("notes").EnumerateArray())
        {
            sb.Append("  ").Append(Str(n, "at")).Append("  ").AppendLine(Str(n, "text"));
        }
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string label, string text) => sb.Append(label).Append(':').Append(' ', Math.Max(1, 12 - label.Length)).AppendLine(text);

    internal static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;

    private static string Member(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? Num(v, "G6") : "-";

    private static string Num(JsonElement v, string format) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble().ToString(format, CultureInfo.InvariantCulture),
        JsonValueKind.String => v.GetString()!,
        _ => "-",
    };

    private static string Percent(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Number)
        {
            return v.ValueKind == JsonValueKind.String ? v.GetString()! : "-";
        }
        return (v.GetDouble() * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";
    }

    private static string Window(JsonElement w)
    {
        int n = w.GetProperty("count").GetInt32();
        return n == 0 ? "no data" : Num(w.GetProperty("median"), "G4") + " (n=" + n.ToString(CultureInfo.InvariantCulture) + ")";
    }

    private static async Task WriteTableAsync(TextWriter stdout, List<string[]> rows) => await stdout.WriteAsync(Table(rows)).ConfigureAwait(false);

    internal static string Table(List<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                sb.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>The optimizer API over HTTP; failures become <see cref="CliException"/> with the server's error text.</summary>
    internal sealed class Client(ServerTarget target, string? token) : IDisposable
    {
        private readonly HttpClient _http = target.CreateClient(TimeSpan.FromSeconds(60));

        public async Task<JsonDocument> SendAsync(HttpMethod method, string path, CancellationToken ct, IEnumerable<KeyValuePair<string, string>>? form = null)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (token is not null && target.Credentials is null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            if (form is not null)
            {
                request.Content = new FormUrlEncodedContent(form);
            }
            var url = new Uri(target.Url, path);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw RemoteServer.Unreachable(url, e);
            }
            using (response)
            {
                string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                JsonDocument doc;
                try
                {
                    doc = JsonDocument.Parse(body);
                }
                catch (JsonException)
                {
                    throw new CliException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}: {(body.Length > 300 ? body[..300] + "…" : body.TrimEnd())}");
                }
                if (!response.IsSuccessStatusCode)
                {
                    string error = doc.RootElement.TryGetProperty("error", out var m) ? m.GetString() ?? body : body;
                    doc.Dispose();
                    throw new CliException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}: {error}{target.AuthHint((int)response.StatusCode)}");
                }
                return doc;
            }
        }

        public void Dispose() => _http.Dispose();
    }
}
