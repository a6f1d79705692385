using System.Diagnostics;
using System.Text;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>A Debian server package (prometheus, prometheus-node-exporter) run as a child process on a free loopback port.</summary>
internal sealed partial class ExporterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string? _directory;

    private ExporterProcess(Process process, int port, string? directory)
    {
        _process = process;
        Port = port;
        _directory = directory;
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>Starts prometheus-node-exporter and waits for its /metrics.</summary>
    public static async Task<ExporterProcess> StartNodeExporterAsync()
    {
        string exe = Processes.FindExecutable("prometheus-node-exporter", "node_exporter")
            ?? throw new InvalidOperationException("prometheus-node-exporter is not installed; ./test.sh installs it (apt-get install prometheus-node-exporter)");
        int port = Processes.FreePort();
        var exporter = Start(exe, null, port, $"--web.listen-address=127.0.0.1:{port}");
        await exporter.WaitForAsync("metrics");
        return exporter;
    }

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (host:port) every second under job "node", and waits until it is ready.</summary>
    public static Task<ExporterProcess> StartPrometheusAsync(params string[] targets) => StartPrometheusWithConfigAsync($"""
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: node
            static_configs:
              - targets: [{string.Join(", ", targets.Select(t => "'" + t + "'"))}]
        """);

    /// <summary>
    /// Starts Prometheus with <paramref name="configYaml"/> as its configuration file (<see cref="ConfigFile"/>) and
    /// <paramref name="extraArgs"/>, and waits until it is ready.
    /// </summary>
    public static async Task<ExporterProcess> StartPrometheusWithConfigAsync(string configYaml, params string[] extraArgs)
    {
        string exe = Processes.FindExecutable("prometheus")
            ?? throw new InvalidOperationException("prometheus is not installed; ./test.sh installs it (apt-get install prometheus)");
        string dir = Directory.CreateTempSubdirectory("vigil-prometheus-").FullName;
        string config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, configYaml);
        int port = Processes.FreePort();
        var prometheus = Start(exe, dir, port, [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", .. extraArgs]);
        await prometheus.WaitForAsync("-/ready");
        return prometheus;
    }

    /// <summary>
    /// Starts vmagent (Debian package victoria-metrics) remote-writing to <paramref name="remoteWriteUrl"/>, with its
    /// queue in a temporary directory, and waits until it answers.
    /// </summary>
    public static async Task<ExporterProcess> StartVmagentAsync(string remoteWriteUrl, params string[] extraArgs)
    {
        string exe = Processes.FindExecutable("vmagent")
            ?? throw new InvalidOperationException("vmagent is not installed; ./test.sh installs it (apt-get install victoria-metrics)");
        string dir = Directory.CreateTempSubdirectory("vigil-vmagent-").FullName;
        int port = Processes.FreePort();
        var vmagent = Start(exe, dir, port, [$"-httpListenAddr=127.0.0.1:{port}", $"-remoteWrite.url={remoteWriteUrl}",
            $"-remoteWrite.tmpDataPath={Path.Combine(dir, "queue")}", .. extraArgs]);
        await vmagent.WaitForAsync("health");
        return vmagent;
    }

    /// <summary>The configuration file of a Prometheus started here (rewrite it and POST /-/reload), or null.</summary>
    public string? ConfigFile => _directory is null ? null : Path.Combine(_directory, "prometheus.yml");

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
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

    private static ExporterProcess Start(string exe, string? directory, int port, params IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = directory ?? Path.GetTempPath(),
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return new ExporterProcess(Process.Start(psi)!, port, directory);
    }

    private async Task WaitForAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Processes.WaitForHttpAsync(http, new Uri(BaseAddress, path).ToString(), _process, () => { lock (_output) { return _output.ToString(); } }, TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
