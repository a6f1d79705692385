using System.Net;
using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary><c>vigil serve</c> as users run it: a child process on the embedded TSDB, stopped by signals.</summary>
public sealed class ServeProcessTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-serve-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData(Signals.SigTerm, "SIGTERM")]
    [InlineData(Signals.SigInt, "SIGINT")]
    public async Task Serve_CollectsServesAndExitsZeroOnSignal(int signal, string name)
    {
        int port = Processes.FreePort();
        using var vigil = VigilProcess.Start(_work, "serve", "--data-dir", "data", "--listen", $"127.0.0.1:{port}", "--interval", "1s");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));

        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/series?match[]=node_cpu_seconds_total"));
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(Environment.ProcessorCount * 8, doc.RootElement.GetProperty("data").GetArrayLength());

        var metrics = TextFormat.Parse(await http.GetStringAsync("metrics"));
        Assert.True(metrics.Single(s => s.Name == "vigil_tsdb_head_series").Value > 0, "the TSDB's head series gauge should count the collected series");
        Assert.Contains(metrics, s => s.Name == "vigil_tsdb_head_samples_appended_total");
        Assert.Contains(metrics, s => s.Name == "process_resident_memory_bytes");
        Assert.True(File.Exists(Path.Combine(_work, "data", "lock")));

        Signals.Send(vigil.Process.Id, signal);
        int code = await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"exit code {code}; stderr:\n{vigil.Stderr}");
        Assert.Contains($"Received {name}", vigil.Stderr, StringComparison.Ordinal);
        Assert.Contains("Vigil stopped cleanly", vigil.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(" fail: ", vigil.Stderr, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("-/healthy"));
    }

    [Fact]
    public async Task Serve_SecondServerOnSameDataDir_Exits1NamingTheLock()
    {
        int port = Processes.FreePort();
        using var first = VigilProcess.Start(_work, "serve", "--data-dir", "data", "--listen", $"127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await Processes.WaitForHttpAsync(http, "-/healthy", first.Process, () => first.Stderr, TimeSpan.FromSeconds(60));

        using var second = VigilProcess.Start(_work, "serve", "--data-dir", "data", "--listen", $"127.0.0.1:{Processes.FreePort()}");
        Assert.Equal(1, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("in use by another Vigil process", second.Stderr, StringComparison.Ordinal);

        using var r = await http.GetAsync("-/healthy");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Signals.Send(first.Process.Id, Signals.SigTerm);
        Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Serve_PortTaken_Exits1NamingTheAddress()
    {
        using var blocker = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        using var vigil = VigilProcess.Start(_work, "serve", "--data-dir", "data", "--listen", $"127.0.0.1:{port}");
        Assert.Equal(1, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", vigil.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_UsageError_Exits2()
    {
        using var vigil = VigilProcess.Start(_work, "serve", "--interval", "soon");
        Assert.Equal(2, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--interval: not a valid duration string: \"soon\"", vigil.Stderr, StringComparison.Ordinal);
    }
}
