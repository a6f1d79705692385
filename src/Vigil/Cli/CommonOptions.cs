using System.CommandLine;
using System.CommandLine.Parsing;
using Vigil.Core.Model;

namespace Vigil.Cli;

/// <summary>Options shared by several commands, with their validation.</summary>
internal static class CommonOptions
{
    public const string DefaultDataDir = "./data";

    public static Option<string> DataDir(string description) => new("--data-dir")
    {
        Description = description,
        HelpName = "DIR",
        DefaultValueFactory = _ => DefaultDataDir,
    };

    public static Option<Uri?> Server() => new("--server")
    {
        Description = "Read from a running Vigil (or any Prometheus-compatible API) at this URL, e.g. http://127.0.0.1:9464, instead of a data directory.",
        HelpName = "URL",
        CustomParser = r =>
        {
            string text = r.Tokens[0].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }
            r.AddError($"invalid --server \"{text}\": expected an http:// or https:// URL, e.g. http://127.0.0.1:9464");
            return null;
        },
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

    /// <summary>Rejects <c>--server</c> together with an explicit <c>--data-dir</c>.</summary>
    public static void AddSourceValidator(Command command, Option<Uri?> server, Option<string> dataDir)
        => command.Validators.Add(r =>
        {
            if (r.GetResult(server) is not null && r.GetResult(dataDir) is { Implicit: false })
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
