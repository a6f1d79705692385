using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Dashboard.Tests.TestSupport;

/// <summary>Debian's prometheus-node-exporter as a child process on a free loopback port: a real scrape target.</summary>
internal sealed class NodeExporter : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeExporter(Process process, int port)
    {
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static async Task<NodeExporter> StartAsync()
    {
        string exe = new[] { "/usr/bin/prometheus-node-exporter", "/usr/local/bin/node_exporter" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("prometheus-node-exporter is not installed; ./test.sh installs it (apt-get install prometheus-node-exporter)");
        int port = FreePort();
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        var exporter = new NodeExporter(Process.Start(psi)!, port);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (exporter._process.HasExited)
            {
                throw new InvalidOperationException($"{exe} exited with {exporter._process.ExitCode}: {exporter.Output}");
            }
            try
            {
                using var r = await http.GetAsync($"http://127.0.0.1:{port}/metrics");
                if (r.IsSuccessStatusCode)
                {
                    return exporter;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{exe} did not answer on port {port} within 30 s: {exporter.Output}");
            }
            await Task.Delay(100);
        }
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
