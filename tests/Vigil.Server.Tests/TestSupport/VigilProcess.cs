using System.Diagnostics;
using System.Text;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>The real <c>vigil</c> executable (<c>dotnet vigil.dll ...</c>) as a child process, with captured output.</summary>
internal sealed class VigilProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private VigilProcess(Process process) => Process = process;

    public Process Process { get; }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static VigilProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Starts vigil with extra environment variables.</summary>
    public static VigilProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
        => Start(workingDirectory, environment, [], args);

    /// <summary>
    /// Starts vigil in a mount namespace of its own in which a tmpfs of <paramref name="size"/> (e.g. <c>4m</c>) is
    /// mounted on <paramref name="mountPoint"/>: a real, small file system that fills up, invisible to every other
    /// process (so host-metric tests running alongside see no extra mount). Needs root, as <c>./test.sh</c> runs.
    /// <see cref="RunInNamespaceAsync"/> runs commands that see the same mount.
    /// </summary>
    public static VigilProcess StartOnPrivateTmpfs(string workingDirectory, string mountPoint, string size, params string[] args)
    {
        Assert.True(Processes.FindExecutable("unshare") is not null, "unshare (util-linux) is needed to mount a private tmpfs");
        Assert.True(Environment.UserName == "root", "mounting a tmpfs needs root (./test.sh runs as root)");
        Directory.CreateDirectory(mountPoint);
        return Start(workingDirectory, new Dictionary<string, string>(),
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=\"$1\" tmpfs \"$2\" && shift 2 && exec \"$@\"", "sh", size, mountPoint],
            args);
    }

    /// <summary>Runs <c>sh -c <paramref name="script"/></c> in this process's mount namespace; returns its exit code and stderr.</summary>
    public async Task<(int Code, string Stderr)> RunInNamespaceAsync(string script)
    {
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-t", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "sh", "-c", script })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = System.Diagnostics.Process.Start(psi)!;
        string err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, err);
    }

    private static VigilProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, string[] wrapper, string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "vigil.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; the test project must reference src/Vigil");
        // Note: a suite started as a background job (`./test.sh &` in a script) inherits SIGINT and SIGQUIT as ignored,
        // and .NET keeps an inherited "ignore" for SIGINT, as a shell's background job expects. Vigil is started with
        // both signals at their defaults, as in a user's terminal, so the Ctrl-C tests test Vigil and not the launcher.
        var psi = new ProcessStartInfo("env")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }
        psi.ArgumentList.Add("--default-signal=INT,QUIT");
        foreach (var a in wrapper)
        {
            psi.ArgumentList.Add(a);
        }
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        var vp = new VigilProcess(p);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (vp._stdout) { vp._stdout.AppendLine(e.Data); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (vp._stderr) { vp._stderr.AppendLine(e.Data); } } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return vp;
    }

    /// <summary>Waits for exit and returns the exit code; fails the test with the output on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"vigil did not exit within {timeout}.\nstderr:\n{Stderr}");
        }
        return Process.ExitCode;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }
        Process.Dispose();
    }
}
