namespace Vigil.Server.Tests.TestSupport;

/// <summary>Debian's single-node VictoriaMetrics as a remote store for Vigil.</summary>
internal sealed partial class ExporterProcess
{
    /// <summary>
    /// Starts victoria-metrics with its data in a temporary directory and waits until it is healthy. Samples are
    /// visible to queries at once (<c>-search.latencyOffset=0s</c>, no response cache), as a test needs.
    /// </summary>
    public static async Task<ExporterProcess> StartVictoriaMetricsAsync(params string[] extraArgs)
    {
        string exe = Processes.FindExecutable("victoria-metrics")
            ?? throw new InvalidOperationException("victoria-metrics is not installed; ./test.sh installs it (apt-get install victoria-metrics)");
        string dir = Directory.CreateTempSubdirectory("vigil-victoria-").FullName;
        int port = Processes.FreePort();
        var vm = Start(exe, dir, port, [$"-httpListenAddr=127.0.0.1:{port}", $"-storageDataPath={Path.Combine(dir, "data")}",
            "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=WARN", .. extraArgs]);
        await vm.WaitForAsync("health");
        return vm;
    }
}
