using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Cli.Top;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Cli.Tests;

/// <summary><c>vigil top</c> in-process against real servers: Prometheus scraping a node exporter, and servers that cannot answer.</summary>
public sealed class TopCommandTests
{
    /// <summary>vigil top never opens storage.</summary>
    private sealed class NoStorage : IStorageProvider
    {
        public IStorage Open(StorageSettings settings, ILoggerFactory loggers) => throw new InvalidOperationException("vigil top opened storage");

        public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers) => throw new InvalidOperationException("vigil top opened storage");

        public IStorage OpenInMemory() => throw new InvalidOperationException("vigil top opened storage");
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new NoStorage(), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<double> QueryScalarAsync(HttpClient http, string expr)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(expr)));
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? double.NaN : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Top_AgainstPrometheusScrapingNodeExporter_ShowsTheHostInTableAndJson()
    {
        await using var node = await ExporterProcess.StartNodeExporterAsync();
        string instance = $"127.0.0.1:{node.Port}";
        await using var prometheus = await ExporterProcess.StartPrometheusAsync(instance);
        using var http = new HttpClient { BaseAddress = prometheus.BaseAddress };
        // rate() over the CPU counters needs two scrapes.
        await Poll.ForAsync(() => QueryScalarAsync(http, "count(rate(node_cpu_seconds_total[1m]))"), v => !double.IsNaN(v),
            _ => "Prometheus has no CPU rate", TimeSpan.FromSeconds(60));
        double cpus = await QueryScalarAsync(http, "count(node_cpu_seconds_total{mode=\"idle\"})");

        var (code, output, error) = await RunAsync("top", "--server", prometheus.BaseAddress.ToString(), "--once");

        Assert.True(code == 0, error);
        Assert.Contains("Host", output, StringComparison.Ordinal);
        Assert.Contains(instance, output, StringComparison.Ordinal);
        string cpuLine = output.Split('\n').Single(l => l.Contains("│ CPUs", StringComparison.Ordinal));
        Assert.Contains(" " + cpus.ToString(CultureInfo.InvariantCulture) + " ", cpuLine, StringComparison.Ordinal);
        Assert.Matches(@"│ CPU busy\s+│\s+\d+\.\d %", output);
        // The node exporter's own process shows under Processes, keyed by job/instance.
        Assert.Contains("node/" + instance, output, StringComparison.Ordinal);

        (code, output, error) = await RunAsync("top", "--server", prometheus.BaseAddress.ToString(), "--once", "--output", "json");

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var host = doc.RootElement.GetProperty("host").GetProperty(instance);
        Assert.Equal(cpus, host.GetProperty("cpus").GetDouble());
        Assert.InRange(host.GetProperty("cpu_busy_percent").GetDouble(), 0, 100);
        Assert.True(host.GetProperty("memory_used_bytes").GetDouble() > 0);
        Assert.True(doc.RootElement.GetProperty("runtime").GetProperty("node/" + instance).GetProperty("resident_memory_bytes").GetDouble() > 0);
        Assert.Empty(doc.RootElement.GetProperty("tools").EnumerateObject());
    }

    [Fact]
    public async Task Top_ServerWithoutQueryApi_Exits1WithOneLineError()
    {
        await using var server = await TestWebServer.StartAsync(ctx =>
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        var (code, output, error) = await RunAsync("top", "--server", server.BaseAddress.ToString(), "--once");

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Equal($"vigil: {server.BaseAddress}api/v1/query answered 404: that server has no PromQL query API; point --server at a Vigil or Prometheus server\n", error);
    }

    [Fact]
    public async Task Top_NotAPrometheusServer_Exits1NamingTheProblem()
    {
        await using var node = await ExporterProcess.StartNodeExporterAsync();

        var (code, _, error) = await RunAsync("top", "--server", node.BaseAddress.ToString(), "--once");

        Assert.Equal(1, code);
        Assert.Contains("without JSON to /api/v1/query; is it a Prometheus-compatible server?", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Top_NothingListening_Exits1()
    {
        int port = Processes.FreePort();

        var (code, _, error) = await RunAsync("top", "--server", $"http://127.0.0.1:{port}", "--once");

        Assert.Equal(1, code);
        Assert.StartsWith($"vigil: cannot reach http://127.0.0.1:{port}/", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("--interval", "0s", "--interval: must be at least 100ms")]
    [InlineData("--interval", "soon", "--interval: ")]
    [InlineData("--output", "xml", "xml")]
    [InlineData("--server", "ftp://x", "invalid --server \"ftp://x\"")]
    public async Task Top_BadOption_Exits2(string option, string value, string message)
    {
        var (code, _, error) = await RunAsync("top", option, value);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Top_Help_ShowsDefaultServerAndExamples()
    {
        var (code, output, _) = await RunAsync("top", "--help");

        Assert.Equal(0, code);
        Assert.Contains("http://127.0.0.1:9612", output, StringComparison.Ordinal);
        Assert.Contains("vigil top --once --output json", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(12.345, "Percent", "12.3 %")]
    [InlineData(1536, "Bytes", "1.5 KiB")]
    [InlineData(3.5 * 1024 * 1024, "BytesPerSecond", "3.5 MiB/s")]
    [InlineData(0.25, "PerSecond", "0.25/s")]
    [InlineData(0.0153, "Seconds", "15.3 ms")]
    [InlineData(2.5, "Seconds", "2.5 s")]
    [InlineData(4, "Number", "4")]
    [InlineData(double.NaN, "Percent", "NaN")]
    public void Format_Units_ReadLikeDotnetCounters(double value, string unit, string expected)
        => Assert.Equal(expected, TopView.Format(value, Enum.Parse<TopUnit>(unit)));
}
