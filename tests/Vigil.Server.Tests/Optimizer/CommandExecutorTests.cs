using System.Diagnostics;
using System.Globalization;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Options;
using static Vigil.Server.Tests.Optimizer.ExecutorTestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

public sealed class CommandExecutorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-cmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CommandExecutor Executor(string[] command, string[]? capture = null, string[]? rollback = null,
        Dictionary<string, string>? env = null, string? workingDirectory = null)
        => new(new OptimizationExecutorConfig
        {
            Name = "resize",
            Type = OptimizationExecutorKind.Command,
            Command = command,
            CaptureCommand = capture ?? [],
            RollbackCommand = rollback ?? ["/bin/true"],
            Environment = env ?? new Dictionary<string, string>(),
            WorkingDirectory = workingDirectory,
        });

    [Fact]
    public async Task Apply_ArgumentsGoToTheProgramLiterallyWithoutAShell()
    {
        string marker = Path.Combine(_dir, "pwned");
        var executor = Executor(["/bin/echo", "{{ .Target }}", "$(touch " + marker + ")", ";", "rm", "-rf", "*", "|", "{{ .Parameters.size }}"]);

        var result = await executor.ApplyAsync(Execution(Params(("size", "16"))), CancellationToken.None);

        Assert.Equal($"svc/pool $(touch {marker}) ; rm -rf * | 16", result.Value);
        Assert.False(File.Exists(marker));
        Assert.StartsWith("/bin/echo svc/pool $(touch", result.Output, StringComparison.Ordinal);
        Assert.Contains("-> exit 0", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptureApplyRollback_FileKnob_RestoresTheCapturedContent()
    {
        string knob = Path.Combine(_dir, "size");
        await File.WriteAllTextAsync(knob, "8\n");
        var executor = Executor(
            ["/bin/sh", "-c", "printf %s \"$VIGIL_PARAM_SIZE\" > \"$1\"", "sh", knob],
            capture: ["/bin/cat", knob],
            rollback: ["/bin/sh", "-c", "printf %s \"$VIGIL_PREVIOUS\" > \"$KNOB\"; echo restored $VIGIL_PHASE"],
            env: new Dictionary<string, string> { ["KNOB"] = knob });
        var e = Execution(Params(("size", "32")));

        e = e with { PreviousValue = await executor.CaptureAsync(e, CancellationToken.None) };
        await executor.ApplyAsync(e, CancellationToken.None);
        string during = await File.ReadAllTextAsync(knob);
        var rolledBack = await executor.RollbackAsync(e, CancellationToken.None);

        Assert.Equal("8", e.PreviousValue);
        Assert.Equal("32", during);
        Assert.Equal("8", await File.ReadAllTextAsync(knob));
        Assert.Contains("restored rollback", rolledBack.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NonZeroExit_FailsWithTheExitCodeAndOutput()
    {
        var executor = Executor(["/bin/sh", "-c", "echo trying; echo 'no capacity left' >&2; exit 3"]);
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => executor.ApplyAsync(Execution(Params()), CancellationToken.None));
        Assert.Equal("command resize (apply): /bin/sh -c echo trying; echo 'no capacity left' >&2; exit 3 exited with code 3", ex.Message);
        Assert.Equal("trying\nstderr: no capacity left", ex.Output.Replace("\r", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_Timeout_KillsTheProcessAndItsChildren()
    {
        string pidFile = Path.Combine(_dir, "pid");
        var executor = Executor(["/bin/sh", "-c", "sleep 60 & echo $! > \"$0\"; echo started; wait", pidFile]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<ExecutorException>(() => executor.ApplyAsync(Execution(Params()), cts.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.EndsWith("did not finish in time and was killed", ex.Message, StringComparison.Ordinal);
        Assert.Equal("started", ex.Output);
        int sleeper = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture);
        await WaitGoneAsync(sleeper);
    }

    [Fact]
    public async Task Apply_MissingProgram_FailsNamingIt()
    {
        var executor = Executor(["/nonexistent/resize-tool", "1"]);
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => executor.ApplyAsync(Execution(Params()), CancellationToken.None));
        Assert.StartsWith("command resize (apply): cannot run /nonexistent/resize-tool: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_WorkingDirectoryAndEnvironment_AreThoseConfigured()
    {
        var executor = Executor(["/bin/sh", "-c", "echo \"$(pwd) $MODE $VIGIL_TARGET $VIGIL_POLICY\""],
            env: new Dictionary<string, string> { ["MODE"] = "{{ .Severity }}" }, workingDirectory: _dir);
        var result = await executor.ApplyAsync(Execution(Params()), CancellationToken.None);
        Assert.Equal($"{_dir} critical svc/pool grow", result.Value);
    }

    [Fact]
    public async Task Apply_TriggerLabels_ReachTheScriptAsVigilLabelVariables()
    {
        string marker = Path.Combine(_dir, "pwned");
        var executor = Executor(["/bin/sh", "-c", "printf '%s|%s|%s' \"$VIGIL_LABEL_service\" \"$VIGIL_SIGNAL\" \"$VIGIL_SEVERITY\""]);
        var e = Execution(Params());
        string hostile = "pwn$(touch " + marker + ")";
        e = e with { Trigger = e.Trigger! with { Labels = new Dictionary<string, string> { ["service"] = hostile } } };

        var result = await executor.ApplyAsync(e, CancellationToken.None);

        Assert.Equal(hostile + "|HighLatency|critical", result.Value);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Ctor_LabelTemplatedIntoAShellScript_RefusedWithTheAdvice()
    {
        var ex = Assert.Throws<ArgumentException>(() => Executor(["/bin/sh", "-c", "echo \"service={{ .Labels.service }}\""]));

        Assert.StartsWith("command executor resize: command: argument 2 is a template inside code that is run (sh -c runs its first operand as a shell script)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$VIGIL_LABEL_service", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctor_ProgramOutsideTheAllowList_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CommandExecutor(new OptimizationExecutorConfig
        {
            Name = "resize",
            Type = OptimizationExecutorKind.Command,
            Command = ["/bin/rm", "-rf", "/tmp/x"],
            RollbackCommand = ["/opt/actions/undo"],
        }, new ExecutorAllowList(["/opt/actions/*"], [])));

        Assert.Equal("command executor resize: command: \"/bin/rm\" is not in optimization.allowed_commands (/opt/actions/*)", ex.Message);
    }

    private static async Task WaitGoneAsync(int pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
        {
            string stat = File.Exists($"/proc/{pid}/stat") ? await File.ReadAllTextAsync($"/proc/{pid}/stat") : string.Empty;
            if (stat.Contains(") Z ", StringComparison.Ordinal))
            {
                return; // a zombie: killed, waiting for its parent to reap it
            }
            Assert.True(DateTime.UtcNow < deadline, $"process {pid} still runs after the executor was killed");
            await Task.Delay(50);
        }
    }
}
