using System.Diagnostics;
using System.Text;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.RemoteWrite;

/// <summary>Debian's single-node VictoriaMetrics as a child process on a loopback port, stoppable and restartable on the same port and data.</summary>
internal sealed class VictoriaMetricsProcess : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vigil-vm-").FullName;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public int Port { get; } = Processes.FreePort();

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string WriteUrl => new Uri(BaseAddress, "api/v1/write").ToString();

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

    public static async Task<VictoriaMetricsProcess> StartAsync()
    {
        var vm = new VictoriaMetricsProcess();
        await vm.RestartAsync();
        return vm;
    }

    /// <summary>Starts it (again) with the same port and data directory and waits for /health.</summary>
    public async Task RestartAsync()
    {
        string exe = Processes.FindExecutable("victoria-metrics")
            ?? throw new InvalidOperationException("victoria-metrics is not installed; ./test.sh installs it (apt-get install victoria-metrics)");
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (string a in new[] { $"-httpListenAddr=127.0.0.1:{Port}", $"-storageDataPath={Path.Combine(_directory, "data")}", "-retentionPeriod=100y", "-search.disableCache" })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Processes.WaitForHttpAsync(http, new Uri(BaseAddress, "health").ToString(), process, () => Output, TimeSpan.FromSeconds(60));
    }

    /// <summary>Stops it with SIGTERM (it flushes what it acknowledged) and waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }
        Signals.Send(p.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        p.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        _process?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
