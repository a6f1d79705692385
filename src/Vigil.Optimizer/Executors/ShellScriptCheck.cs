namespace Vigil.Optimizer.Executors;

/// <summary>
/// Finds the places in a <c>command</c> executor's argv where a template value would be read as code: the program
/// itself, and the script argument of a shell or interpreter (<c>sh -c SCRIPT</c>, <c>python3 -c CODE</c>,
/// <c>perl -e</c>, <c>node -e</c>, <c>awk PROGRAM</c>, <c>ssh HOST COMMAND…</c>, …), also behind wrappers such as
/// <c>env</c>, <c>sudo</c>, <c>timeout</c> or <c>busybox</c>. A value there could run anything; elsewhere it is one
/// literal argument.
/// </summary>
/// <remarks>
/// The rule is syntactic and strict: any <c>{{</c> in such an argument is refused, whatever the template does. Values
/// reach a script as environment variables (<c>$VIGIL_LABEL_service</c>, <c>$VIGIL_PARAM_SIZE</c>, an executor's
/// <c>env</c>) or as positional arguments after the script (<c>sh -c 'echo "$1"' sh '{{ .Target }}'</c>). Thread-safe.
/// </remarks>
internal static class ShellScriptCheck
{
    /// <summary>How a program reads code from its arguments.</summary>
    private enum Reads
    {
        /// <summary>A POSIX-like shell: an option cluster holding <c>c</c> takes the script; else the first operand is a script file.</summary>
        Shell,

        /// <summary>An interpreter: the listed options take code; else the first operand is a script file.</summary>
        Interpreter,

        /// <summary>A program whose first operand is its program text (<c>awk</c>, <c>sed</c>) unless given with the listed options.</summary>
        ProgramText,

        /// <summary>Every argument after the listed options' values is joined into a command line for a shell (<c>ssh</c>, <c>watch</c>).</summary>
        CommandLine,
    }

    private static readonly Dictionary<string, (Reads Kind, string[] CodeOptions)> Programs = new(StringComparer.Ordinal)
    {
        ["sh"] = (Reads.Shell, ["--command"]),
        ["bash"] = (Reads.Shell, []),
        ["rbash"] = (Reads.Shell, []),
        ["dash"] = (Reads.Shell, []),
        ["ash"] = (Reads.Shell, []),
        ["zsh"] = (Reads.Shell, []),
        ["ksh"] = (Reads.Shell, []),
        ["mksh"] = (Reads.Shell, []),
        ["yash"] = (Reads.Shell, []),
        ["fish"] = (Reads.Shell, ["--command", "--init-command", "-C"]),
        ["csh"] = (Reads.Shell, []),
        ["tcsh"] = (Reads.Shell, []),
        ["python"] = (Reads.Interpreter, ["-c"]),
        ["python2"] = (Reads.Interpreter, ["-c"]),
        ["python3"] = (Reads.Interpreter, ["-c"]),
        ["pypy3"] = (Reads.Interpreter, ["-c"]),
        ["perl"] = (Reads.Interpreter, ["-e", "-E"]),
        ["ruby"] = (Reads.Interpreter, ["-e"]),
        ["node"] = (Reads.Interpreter, ["-e", "--eval", "-p", "--print"]),
        ["nodejs"] = (Reads.Interpreter, ["-e", "--eval", "-p", "--print"]),
        ["deno"] = (Reads.Interpreter, ["eval"]),
        ["bun"] = (Reads.Interpreter, ["-e", "--eval", "-p", "--print"]),
        ["php"] = (Reads.Interpreter, ["-r", "-B", "-R", "-E"]),
        ["lua"] = (Reads.Interpreter, ["-e"]),
        ["luajit"] = (Reads.Interpreter, ["-e"]),
        ["tclsh"] = (Reads.Interpreter, []),
        ["expect"] = (Reads.Interpreter, ["-c"]),
        ["Rscript"] = (Reads.Interpreter, ["-e"]),
        ["pwsh"] = (Reads.Interpreter, ["-c", "-command", "-Command", "-encodedcommand", "-EncodedCommand", "-e", "-ec"]),
        ["powershell"] = (Reads.Interpreter, ["-c", "-command", "-Command", "-encodedcommand", "-EncodedCommand", "-e", "-ec"]),
        ["osascript"] = (Reads.Interpreter, ["-e"]),
        ["dotnet"] = (Reads.Interpreter, []),
        ["su"] = (Reads.Interpreter, ["-c", "--command", "--session-command"]),
        ["runuser"] = (Reads.Interpreter, ["-c", "--command", "--session-command"]),
        ["flock"] = (Reads.Interpreter, ["-c", "--command"]),
        ["script"] = (Reads.Interpreter, ["-c", "--command"]),
        ["awk"] = (Reads.ProgramText, ["-f", "--file"]),
        ["gawk"] = (Reads.ProgramText, ["-f", "--file", "-e", "--source"]),
        ["mawk"] = (Reads.ProgramText, ["-f"]),
        ["nawk"] = (Reads.ProgramText, ["-f"]),
        ["sed"] = (Reads.ProgramText, ["-e", "--expression", "-f", "--file"]),
        ["ssh"] = (Reads.CommandLine, ["-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w"]),
        ["watch"] = (Reads.CommandLine, ["-n", "--interval", "-d", "--differences", "-q", "--equexit"]),
        ["cmd"] = (Reads.CommandLine, []),
        ["cmd.exe"] = (Reads.CommandLine, []),
    };

    /// <summary>
    /// The index of the first argument where a template would be read as code (the program counts), with why; null when
    /// <paramref name="argv"/> is safe.
    /// </summary>
    public static (int Index, string Why)? Find(IReadOnlyList<string> argv)
    {
        if (argv.Count == 0)
        {
            return null;
        }
        if (IsTemplate(argv[0]))
        {
            return (0, "the program to run cannot be a template; name it literally (and list it in optimization.allowed_commands)");
        }
        // Note: wrappers (env, sudo, timeout, nice, busybox, ...) are skipped by looking for the first program the table
        // knows; what follows that program's code or script is data (sh -c 'echo "$1"' sh VALUE), so the search stops there.
        for (int k = 0; k < argv.Count; k++)
        {
            if (!IsTemplate(argv[k]) && Programs.TryGetValue(ProgramName(argv[k]), out var how))
            {
                return Check(argv, k, how.Kind, how.CodeOptions);
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="text"/> holds a template action.</summary>
    public static bool IsTemplate(string text) => PromQL.Templates.GoTemplate.HasActions(text);

    private static (int, string)? Check(IReadOnlyList<string> argv, int program, Reads kind, string[] codeOptions)
    {
        string name = ProgramName(argv[program]);
        for (int j = program + 1; j < argv.Count; j++)
        {
            string a = argv[j];
            if (a == "--")
            {
                return Operand(argv, j + 1, kind, name);
            }
            bool isOption = a.Length > 1 && (a[0] == '-' || (kind == Reads.Shell && a[0] == '+')
                || (kind == Reads.CommandLine && name.StartsWith("cmd", StringComparison.Ordinal) && a[0] == '/'));
            if (!isOption)
            {
                return Operand(argv, j, kind, name);
            }
            if (kind == Reads.CommandLine && name.StartsWith("cmd", StringComparison.Ordinal) && a is "/c" or "/C" or "/k" or "/K")
            {
                return Rest(argv, j + 1, name);
            }
            bool takesCode = codeOptions.Contains(a, StringComparer.Ordinal)
                || (kind == Reads.Shell && a[0] == '-' && a.Length > 1 && a[1] != '-' && a.AsSpan(1).Contains('c'));
            if (kind == Reads.ProgramText && takesCode)
            {
                // Note: with -e/-f the program is given by option, and operands are input files; only the option's value is code.
                if (j + 1 < argv.Count && IsTemplate(argv[j + 1]))
                {
                    return (j + 1, $"{name} reads this argument as its program");
                }
                return null;
            }
            if (kind == Reads.CommandLine && takesCode)
            {
                j++; // an option with a value (ssh -p 22)
                continue;
            }
            if (kind == Reads.Shell && takesCode)
            {
                // Note: the script is the first operand after the options (bash -c -e SCRIPT); later operands are $0, $1, ….
                for (int i = j + 1; i < argv.Count; i++)
                {
                    if (IsTemplate(argv[i]))
                    {
                        return (i, $"{name} {a} runs its first operand as a shell script");
                    }
                    if (argv[i] is "-o" or "+o" or "-O" or "+O")
                    {
                        i++;
                    }
                    else if (argv[i].Length < 2 || argv[i][0] is not ('-' or '+'))
                    {
                        break;
                    }
                }
                return null;
            }
            if (kind == Reads.Shell && a is "-o" or "+o" or "-O" or "+O")
            {
                j++; // a shell option's name (bash -o pipefail)
                continue;
            }
            if (takesCode)
            {
                return j + 1 < argv.Count && IsTemplate(argv[j + 1]) ? (j + 1, $"{name} {a} runs this argument as code") : null;
            }
            // Code attached to its option: python3 "-cimport os", perl "-eprint 1".
            if (IsTemplate(a) && codeOptions.Any(o => o.Length == 2 && a.StartsWith(o, StringComparison.Ordinal)))
            {
                return (j, $"{name} runs the code attached to {a[..2]}");
            }
        }
        return null;
    }

    /// <summary>The first operand: a script file for shells and interpreters (templated, it would choose what runs), the program for awk and sed.</summary>
    private static (int, string)? Operand(IReadOnlyList<string> argv, int j, Reads kind, string name)
    {
        if (j >= argv.Count)
        {
            return null;
        }
        if (kind == Reads.CommandLine)
        {
            // Note: ssh's first operand is the destination; the rest is a command line for the remote shell.
            return Rest(argv, name == "ssh" ? j + 1 : j, name);
        }
        if (!IsTemplate(argv[j]))
        {
            return null;
        }
        return (j, kind == Reads.ProgramText ? $"{name} reads this argument as its program" : $"{name} runs the script this argument names");
    }

    private static (int, string)? Rest(IReadOnlyList<string> argv, int from, string name)
    {
        for (int i = from; i < argv.Count; i++)
        {
            if (IsTemplate(argv[i]))
            {
                return (i, $"{name} joins its arguments into a command line for a shell");
            }
        }
        return null;
    }

    /// <summary>The file name of a program path, without a version suffix the table does not list (<c>python3.12</c> → <c>python3</c>).</summary>
    private static string ProgramName(string path)
    {
        string name = Path.GetFileName(path);
        if (Programs.ContainsKey(name))
        {
            return name;
        }
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && name[(dot + 1)..].All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return name[..dot];
        }
        return name;
    }
}
