using System.CommandLine;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Cli.Tests;

/// <summary>
/// What every command of the CLI shares: --help with examples that parse and exit codes; --output table|json where
/// data is printed; --server URL defaulting to vigil serve's address where a running server is needed; one-line errors
/// that say what to do when the server does not answer.
/// </summary>
public sealed class CliConventionsTests
{
    /// <summary>Commands that print data a program may want to read.</summary>
    private static readonly string[] PrintData =
        ["series", "dump", "query", "forecast", "analyze", "top", "optimize list", "optimize show"];

    /// <summary>Commands that need a running server (<c>--server</c> defaults to <see cref="CommonOptions.DefaultServer"/>).</summary>
    private static readonly string[] NeedServer =
        ["analyze", "top", "optimize list", "optimize show", "optimize approve", "optimize reject", "optimize rollback", "profile"];

    /// <summary>Commands that read a data directory by default and a server when given <c>--server</c>.</summary>
    private static readonly string[] ServerOrDataDir = ["series", "dump", "query", "forecast"];

    private static RootCommand Root()
    {
        var root = VigilCli.CreateRootCommand(new FixedStorageProvider(new MemoryStorage()), TextWriter.Null, TextWriter.Null);
        root.Add(ImportCommand.Create(TextWriter.Null, TextWriter.Null));
        root.Add(ServeCommand.CreateAgent(new FixedStorageProvider(new MemoryStorage()), TextWriter.Null));
        return root;
    }

    private static IEnumerable<Command> All(Command c) => new[] { c }.Concat(c.Subcommands.SelectMany(All));

    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var c in All(Root()))
        {
            data.Add(CliHelp.PathOf(c));
        }
        return data;
    }

    private static Command Find(string path)
        => All(Root()).SingleOrDefault(c => CliHelp.PathOf(c) == "vigil " + path) ?? throw new InvalidOperationException("no command " + path);

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new FixedStorageProvider(new MemoryStorage()), stdout, stderr,
            root =>
            {
                root.Add(ImportCommand.Create(stdout, stderr));
                root.Add(ServeCommand.CreateAgent(new FixedStorageProvider(new MemoryStorage()), stderr));
            });
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Splits a shell example into words: single and double quotes group, a comment, pipe or redirection ends it.</summary>
    private static List<string> Words(string example)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char ch in example)
        {
            if (quote != '\0')
            {
                if (ch == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(ch);
                }
                continue;
            }
            if (ch is '\'' or '"')
            {
                quote = ch;
                inWord = true;
            }
            else if (ch is '#' or '|' or '>')
            {
                break;
            }
            else if (char.IsWhiteSpace(ch))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(ch);
                inWord = true;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task Help_EveryCommand_HasExamplesThatParseAndExitCodes(string path)
    {
        var (code, output, err) = await RunAsync([.. path.Split(' ').Skip(1), "--help"]);
        Assert.True(code == 0, err);
        string[] lines = output.ReplaceLineEndings("\n").Split('\n');
        int examples = Array.IndexOf(lines, "Examples:");
        Assert.True(examples > 0, $"{path} --help has no Examples section:\n{output}");
        Assert.StartsWith("  ", lines[examples + 1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("Exit codes: 0 ", StringComparison.Ordinal));

        // Each example is a valid command line (files it names need not exist; the parser does not open them).
        foreach (string example in CliHelp.ExamplesOf(path))
        {
            var words = Words(example);
            int vigil = words.IndexOf("vigil");
            Assert.True(vigil >= 0, $"example without vigil: {example}");
            var parse = Root().Parse(words.Skip(vigil + 1).ToArray());
            Assert.True(parse.Errors.Count == 0, $"{example}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public void PrintData_EveryCommandHasOutputTableAndJson()
    {
        foreach (string path in PrintData)
        {
            var output = Find(path).Options.SingleOrDefault(o => o.Name == "--output");
            Assert.True(output is not null, $"vigil {path} has no --output");
            Assert.Equal("table", output.GetDefaultValue()?.ToString());
            string[] prefix = path.Split(' ');
            string[] extra = path switch { "query" or "forecast" => ["up"], "optimize show" => ["abcd"], "series" or "dump" => ["--match", "up"], _ => [] };
            Assert.Empty(Root().Parse([.. prefix, .. extra, "--output", "json"]).Errors);
            Assert.NotEmpty(Root().Parse([.. prefix, .. extra, "--output", "xml"]).Errors);
        }
    }

    [Fact]
    public void Server_DefaultsToVigilServeWhereAServerIsNeededAndIsOfferedWhereDataCanComeFromOne()
    {
        foreach (string path in NeedServer)
        {
            var server = Find(path).Options.SingleOrDefault(o => o.Name == "--server");
            Assert.True(server is not null, $"vigil {path} has no --server");
            Assert.Equal(new Uri(CommonOptions.DefaultServer), server.GetDefaultValue());
        }
        foreach (string path in ServerOrDataDir)
        {
            Assert.Contains(Find(path).Options, o => o.Name == "--server");
            Assert.Contains(Find(path).Options, o => o.Name == "--data-dir");
        }
    }

    public static TheoryData<string[]> ServerCommands() => new()
    {
        { ["series", "--match", "up"] },
        { ["dump", "--match", "up"] },
        { ["query", "up"] },
        { ["forecast", "up"] },
        { ["analyze"] },
        { ["top", "--once"] },
        { ["optimize", "list"] },
        { ["optimize", "show", "abcd"] },
    };

    [Theory]
    [MemberData(nameof(ServerCommands))]
    public async Task ServerNotRunning_OneLineErrorSayingWhatToDo(string[] args)
    {
        string url = $"http://127.0.0.1:{Processes.FreePort()}";
        var (code, _, err) = await RunAsync([.. args, "--server", url]);
        Assert.Equal(1, code);
        string[] lines = err.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"more than one line:\n{err}");
        Assert.StartsWith($"vigil: cannot reach {url}/", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("is vigil serve running there? (give its address with --server URL)", lines[0], StringComparison.Ordinal);
    }
}
