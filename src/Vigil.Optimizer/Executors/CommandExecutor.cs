using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// Applies a change by running a program (argv, no shell) with templated arguments and environment; an optional capture
/// program prints the previous value on standard output; a rollback program undoes the change.
/// </summary>
/// <remarks>
/// Exit code 0 is success. Every run also gets <c>VIGIL_EXECUTION_ID</c>, <c>VIGIL_POLICY</c>, <c>VIGIL_TARGET</c>,
/// <c>VIGIL_PHASE</c>, <c>VIGIL_PREVIOUS</c>, <c>VIGIL_PARAM_&lt;NAME&gt;</c> (upper case), the trigger's
/// <c>VIGIL_SIGNAL</c>, <c>VIGIL_SEVERITY</c> and <c>VIGIL_LABEL_&lt;name&gt;</c> (the label name as it is) in its
/// environment. No template may reach code a shell or interpreter runs (<see cref="ShellScriptCheck"/>): the
/// constructor refuses such an argv, so values reach scripts only as variables or separate arguments. When the call's
/// token is cancelled (the action's timeout) the process and its children are killed.
/// </remarks>
internal sealed class CommandExecutor : IOptimizationExecutor
{
    private readonly ActionTemplate[] _apply;
    private readonly ActionTemplate[] _capture;
    private readonly ActionTemplate[] _rollback;
    private readonly (string Name, ActionTemplate Value)[] _environment;
    private readonly string? _workingDirectory;

    public CommandExecutor(OptimizationExecutorConfig config, ExecutorAllowList? allow = null)
    {
        Name = config.Name;
        if (config.Command.Count == 0 || config.RollbackCommand.Count == 0)
        {
            throw new ArgumentException($"command executor {config.Name} needs command and rollback_command");
        }
        foreach (var (key, argv) in new[] { ("command", config.Command), ("capture_command", config.CaptureCommand), ("rollback_command", config.RollbackCommand) })
        {
            if (ShellScriptCheck.Find(argv) is var (at, why))
            {
                throw new ArgumentException($"command executor {config.Name}: {key}: {ShellTemplateAdvice(at, why)}");
            }
            if (argv.Count > 0 && (allow ?? ExecutorAllowList.None).CheckCommand(argv[0]) is { } denied)
            {
                throw new ArgumentException($"command executor {config.Name}: {key}: {denied}");
            }
        }
        _apply = Compile(config.Name + ".command", config.Command);
        _capture = Compile(config.Name + ".capture_command", config.CaptureCommand);
        _rollback = Compile(config.Name + ".rollback_command", config.RollbackCommand);
        _environment = config.Environment.Select(e => (e.Key, ActionTemplate.Parse(config.Name + ".env." + e.Key, e.Value))).ToArray();
        _workingDirectory = config.WorkingDirectory;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "command";

    /// <inheritdoc />
    public async Task<string?> CaptureAsync(OptimizationExecution execution, CancellationToken ct)
    {
        if (_capture.Length == 0)
        {
            return null;
        }
        var (stdout, _) = await RunAsync(_capture, execution, "capture", ct).ConfigureAwait(false);
        return stdout.Trim();
    }

    /// <inheritdoc />
    public async Task<ExecutorResult> ApplyAsync(OptimizationExecution execution, CancellationToken ct)
    {
        var (stdout, output) = await RunAsync(_apply, execution, "apply", ct).ConfigureAwait(false);
        string value = stdout.Trim();
        return new ExecutorResult(value.Length == 0 || value.Contains('\n', StringComparison.Ordinal) ? null : value, output);
    }

    /// <inheritdoc />
    public async Task<ExecutorResult> RollbackAsync(OptimizationExecution execution, CancellationToken ct)
    {
        var (_, output) = await RunAsync(_rollback, execution, "rollback", ct).ConfigureAwait(false);
        return new ExecutorResult(execution.PreviousValue, output);
    }

    /// <summary>What to tell a user whose argv templates into code at <paramref name="index"/>: why it is refused and how to write it.</summary>
    public static string ShellTemplateAdvice(int index, string why)
        => index == 0
            ? why
            : $"argument {index.ToString(CultureInfo.InvariantCulture)} is a template inside code that is run ({why}), so a pushed label "
              + "could run commands as Vigil; pass values as environment variables instead, e.g. "
              + "[/bin/sh, -c, 'echo \"service=$VIGIL_LABEL_service\"'] (also $VIGIL_TARGET, $VIGIL_PARAM_<NAME> and the executor's env), "
              + "or as arguments after the script: [/bin/sh, -c, 'echo \"$1\"', sh, '{{ .Labels.service }}']";

    private static ActionTemplate[] Compile(string name, IReadOnlyList<string> argv)
        => argv.Select((a, i) => ActionTemplate.Parse(name + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", a)).ToArray();

    private async Task<(string Stdout, string Output)> RunAsync(ActionTemplate[] argv, OptimizationExecution execution, string phase, CancellationToken ct)
    {
        var fields = ActionTemplate.Fields(execution, phase);
        var psi = new ProcessStartInfo(argv[0].Render(fields))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (_workingDirectory is not null)
        {
            psi.WorkingDirectory = _workingDirectory;
        }
        for (int i = 1; i < argv.Length; i++)
        {
            psi.ArgumentList.Add(argv[i].Render(fields));
        }
        psi.Environment["VIGIL_EXECUTION_ID"] = execution.Id;
        psi.Environment["VIGIL_POLICY"] = execution.Action.Policy;
        psi.Environment["VIGIL_TARGET"] = execution.Action.Target;
        psi.Environment["VIGIL_PHASE"] = phase;
        psi.Environment["VIGIL_PREVIOUS"] = execution.PreviousValue ?? string.Empty;
        foreach (var (key, value) in execution.Action.Parameters)
        {
            psi.Environment["VIGIL_PARAM_" + EnvName(key)] = value;
        }
        if (execution.Trigger is { } trigger)
        {
            psi.Environment["VIGIL_SIGNAL"] = trigger.Type;
            psi.Environment["VIGIL_SEVERITY"] = trigger.Severity;
            foreach (var (label, value) in trigger.Labels)
            {
                psi.Environment["VIGIL_LABEL_" + EnvName(label, upper: false)] = value;
            }
        }
        foreach (var (name, value) in _environment)
        {
            psi.Environment[name] = value.Render(fields);
        }
        if (psi.ArgumentList.Any(a => a.Contains('\0', StringComparison.Ordinal)) || psi.Environment.Values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
        {
            // Note: a program cannot receive a NUL inside an argument or variable; refusing beats passing a cut value.
            throw new ExecutorException($"command {Name} ({phase}): an argument or environment value holds a NUL character");
        }
        string commandLine = string.Join(' ', new[] { psi.FileName }.Concat(psi.ArgumentList));
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new ExecutorException($"command {Name} ({phase}): {psi.FileName} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ExecutorException($"command {Name} ({phase}): cannot run {psi.FileName}: {e.Message}");
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // already exited
                }
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                string partial = Combine(await stdoutTask.ConfigureAwait(false), await stderrTask.ConfigureAwait(false));
                throw new ExecutorException($"command {Name} ({phase}): {commandLine} did not finish in time and was killed", partial);
            }
            string stdout = await stdoutTask.ConfigureAwait(false);
            string stderr = await stderrTask.ConfigureAwait(false);
            string output = Combine(stdout, stderr);
            if (process.ExitCode != 0)
            {
                throw new ExecutorException(string.Create(CultureInfo.InvariantCulture,
                    $"command {Name} ({phase}): {commandLine} exited with code {process.ExitCode}"), output);
            }
            return (stdout, string.Create(CultureInfo.InvariantCulture, $"{commandLine} -> exit 0") + (output.Length == 0 ? string.Empty : Environment.NewLine + output));
        }
    }

    private static string Combine(string stdout, string stderr)
    {
        string o = stdout.TrimEnd(), e = stderr.TrimEnd();
        string both = o.Length == 0 ? e : e.Length == 0 ? o : o + Environment.NewLine + "stderr: " + e;
        return ExecutorOutput.Truncate(both);
    }

    private static string EnvName(string key, bool upper = true)
    {
        var sb = new StringBuilder(key.Length);
        foreach (char c in key)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? (upper ? char.ToUpperInvariant(c) : c) : '_');
        }
        return sb.ToString();
    }
}
