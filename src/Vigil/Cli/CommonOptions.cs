using System.CommandLine;
using System.CommandLine.Parsing;
using Vigil.Core.Model;

namespace Vigil.Cli;

/// <summary>Options shared by several commands, with their validation.</summary>
internal static class CommonOptions
{
    public const string DefaultDataDir = "./data";

    /// <summary>The server commands talk to when <c>--server</c> is not given: <c>vigil serve</c>'s default address.</summary>
    public const string DefaultServer = "http://127.0.0.1:9612";

    /// <summary><c>--server URL</c> for commands that need a running server, defaulting to <see cref="DefaultServer"/>.</summary>
    public static Option<Uri> RunningServer(string description) => new("--server")
    {
        Description = description,
        HelpName = "URL",
        DefaultValueFactory = _ => new Uri(DefaultServer),
        CustomParser = r => ParseServer(r) ?? new Uri(DefaultServer),
    };

    /// <summary><c>--output table|json</c>: tables for people (the default) or JSON for programs.</summary>
    public static Option<string> OutputFormat(string description = "table (for people) or json (for programs).")
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = description,
            HelpName = "FORMAT",
            DefaultValueFactory = _ => "table",
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }

    private static Uri? ParseServer(ArgumentResult r)
    {
        string text = r.Tokens[0].Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }
        r.AddError($"invalid --server \"{text}\": expected an http:// or https:// URL, e.g. {DefaultServer}");
        return null;
    }

    public static Option<string> DataDir(string description) => new("--data-dir")
    {
        Description = description,
        HelpName = "DIR",
        DefaultValueFactory = _ => DefaultDataDir,
    };

    /// <summary>
    /// <c>--server URL</c> for commands that read data: they ask the running server (<see cref="DefaultServer"/> unless
    /// given) and read a data directory only when <see cref="OfflineDataDir"/> is given.
    /// </summary>
    public static Option<Uri> Server() => RunningServer("Read from a running Vigil (or any Prometheus-compatible API) at this URL. Default: " + DefaultServer + ".");

    /// <summary><c>--data-dir DIR</c> for commands that read data: read that directory offline instead of asking the server.</summary>
    public static Option<string?> OfflineDataDir() => new("--data-dir")
    {
        Description = "Read this data directory offline instead of asking the server (read-only; works while a server runs on it).",
        HelpName = "DIR",
    };

    public static Option<string[]> Match(string description)
    {
        var option = new Option<string[]>("--match")
        {
            Description = description,
            HelpName = "SELECTOR",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!CliValues.TryParseSelector(token.Value, out _, out string error))
                {
                    r.AddError("--match: " + error);
                }
            }
        });
        return option;
    }

    public static Option<string?> Time(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = "TIME" };
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!CliValues.TryParseTime(token.Value, Timestamp.Now(), out _, out string error))
                {
                    r.AddError($"{name}: {error}");
                }
            }
        });
        return option;
    }

    /// <summary>A <c>--step</c> option: a duration (15s, 1m) or seconds, validated as the query API validates it.</summary>
    public static Option<string?> Step(string description)
    {
        var option = new Option<string?>("--step") { Description = description, HelpName = "DURATION" };
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!QueryCommand.TryParseStep(token.Value, out _, out string error))
                {
                    r.AddError("--step: " + error);
                }
            }
        });
        return option;
    }

    /// <summary>Rejects <c>--server</c> together with an explicit <c>--data-dir</c>.</summary>
    public static void AddSourceValidator(Command command, Option<Uri> server, Option<string?> dataDir)
        => command.Validators.Add(r =>
        {
            if (r.GetResult(server) is { Implicit: false } && r.GetResult(dataDir) is { Implicit: false })
            {
                r.AddError("--server and --data-dir cannot be used together: read either from a running server or from a data directory");
            }
        });

    /// <summary>Parses a validated time option, or returns null when it was not given.</summary>
    public static long? TimeValue(ParseResult result, Option<string?> option, long nowMs)
    {
        string? text = result.GetValue(option);
        if (text is null)
        {
            return null;
        }
        CliValues.TryParseTime(text, nowMs, out long t, out _);
        return t;
    }
}
