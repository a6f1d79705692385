using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Vigil.Sdk.Tests.TestSupport;

/// <summary>A child process whose output is captured; killed with its tree on dispose.</summary>
internal sealed partial class ChildProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly List<(string Prefix, TaskCompletionSource<string> Line)> _waiters = new();

    private ChildProcess(ProcessStartInfo psi)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        Process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        Process.OutputDataReceived += (_, e) => OnLine(e.Data);
        Process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public int Id => Process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a program.</summary>
    public static ChildProcess Start(string fileName, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return new ChildProcess(psi);
    }

    /// <summary>Starts a .NET app from the test output directory (<paramref name="dll"/>) with the same <c>dotnet</c> host as the tests.</summary>
    public static ChildProcess StartDotnet(string dll, params string[] args)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        return Start(host, [Path.Combine(AppContext.BaseDirectory, dll), .. args]);
    }

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>The full path of the first of <paramref name="names"/> found on PATH or in the usual bin directories.</summary>
    public static string? FindExecutable(params string[] names)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"]);
        foreach (string name in names)
        {
            foreach (string d in dirs)
            {
                string p = Path.Combine(d, name);
                if (File.Exists(p))
                {
                    return p;
                }
            }
        }
        return null;
    }

    /// <summary>Waits for an output line starting with <paramref name="prefix"/>; returns the line.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            foreach (string line in _output.ToString().Split('\n'))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
            _waiters.Add((prefix, tcs));
        }
        var done = await Task.WhenAny(tcs.Task, Task.Delay(timeout));
        if (done != tcs.Task)
        {
            throw new TimeoutException($"no line starting with \"{prefix}\" within {timeout}; exited: {Process.HasExited}; output:\n{Output}");
        }
        return await tcs.Task;
    }

    /// <summary>Sends SIGTERM and waits for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (Kill(Process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill({Process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}");
        }
        using var cts = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cts.Token);
        return Process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        Process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Append(line).Append('\n');
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (line.StartsWith(_waiters[i].Prefix, StringComparison.Ordinal))
                {
                    _waiters[i].Line.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
