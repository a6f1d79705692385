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
/// <c>VIGIL_PHASE</c>, <c>VIGIL_PREVIOUS</c> and <c>VIGIL_PARAM_&lt;NAME&gt;</c> (upper case) in its environment. When the
/// call's token is cancelled (the action's timeout) the process and its children are killed.
/// </remarks>
internal sealed class CommandExecutor : IOptimizationExecutor
{
    private readonly ActionTemplate[] _apply;
    private readonly ActionTemplate[] _capture;
    private readonly ActionTemplate[] _rollback;
    private readonly (string Name, ActionTemplate Value)[] _environment;
    private readonly string? _workingDirectory;

    public CommandExecutor(OptimizationExecutorConfig config)
    {
        Name = config.Name;
        if (config.Command.Count == 0 || config.RollbackCommand.Count == 0)
        {
            throw new ArgumentException($"command executor {config.Name} needs command and rollback_command");
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
        foreach (var (name, value) in _environment)
        {
            psi.Environment[name] = value.Render(fields);
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

    private static string EnvName(string key)
    {
        var sb = new StringBuilder(key.Length);
        foreach (char c in key)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }
        return sb.ToString();
    }
}
