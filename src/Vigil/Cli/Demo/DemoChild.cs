using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vigil.Cli.Demo;

/// <summary>
/// One child process of <c>vigil demo</c> (the service, the load generator, <c>vigil serve</c>): started with its output
/// captured line by line, stopped with SIGTERM so it shuts down cleanly, killed only when it does not stop in time.
/// </summary>
internal sealed partial class DemoChild : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int MaxLines = 400;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();
    private readonly Action<string>? _echo;
    private TaskCompletionSource<string>? _waiting;
    private string? _waitPrefix;

    private DemoChild(string name, Process process, Action<string>? echo)
    {
        Name = name;
        _process = process;
        _echo = echo;
    }

    /// <summary>A short name for messages (<c>service</c>, <c>load</c>, <c>vigil</c>).</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="argv"/> (no shell) in <paramref name="workingDirectory"/>; <paramref name="echo"/> sees every output line.</summary>
    public static DemoChild Start(string name, IReadOnlyList<string> argv, string workingDirectory, Action<string>? echo = null)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        var process = new Process { StartInfo = psi };
        var child = new DemoChild(name, process, echo);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new CliException($"cannot start the demo's {name} ({argv[0]}): {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The last lines the process wrote (standard output and error), for error messages.</summary>
    public string Tail(int lines = 20)
    {
        lock (_lock)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - lines)));
        }
    }

    /// <summary>Waits for the first line starting with <paramref name="prefix"/> (already written or yet to come).</summary>
    /// <exception cref="CliException">The process ended or <paramref name="timeout"/> passed first.</exception>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout, CancellationToken ct)
    {
        Task<string> line;
        lock (_lock)
        {
            if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } seen)
            {
                return seen;
            }
            _waitPrefix = prefix;
            _waiting = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            line = _waiting.Task;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var exited = _process.WaitForExitAsync(cts.Token);
        var first = await Task.WhenAny(line, exited).ConfigureAwait(false);
        if (first == line)
        {
            return await line.ConfigureAwait(false);
        }
        ct.ThrowIfCancellationRequested();
        string why = _process.HasExited ? $"exited with code {_process.ExitCode}" : $"did not start within {timeout.TotalSeconds:0} s";
        throw new CliException($"the demo's {Name} {why}:\n{Tail()}");
    }

    /// <summary>Sends SIGTERM and waits up to <paramref name="grace"/> for a clean exit, then kills the process tree.</summary>
    /// <returns>The exit code, or null when the process had to be killed.</returns>
    public async Task<int?> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return _process.ExitCode;
        }
        _ = Kill(_process.Id, SigTerm);
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        TaskCompletionSource<string>? done = null;
        lock (_lock)
        {
            _lines.Enqueue(line);
            if (_lines.Count > MaxLines)
            {
                _lines.Dequeue();
            }
            if (_waiting is not null && line.StartsWith(_waitPrefix!, StringComparison.Ordinal))
            {
                done = _waiting;
                _waiting = null;
            }
        }
        done?.TrySetResult(line);
        _echo?.Invoke(line);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
