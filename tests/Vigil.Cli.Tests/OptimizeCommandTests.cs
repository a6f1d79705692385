using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;
using Vigil.Optimizer.Model;
using Vigil.Server;
using Vigil.Server.Tests.Optimizer;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Cli.Tests;

/// <summary><c>vigil optimize</c> in-process against a real server with an optimizer in approve mode.</summary>
[Collection(OptimizerCollection.Name)]
public sealed class OptimizeCommandTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private readonly TestSignals _signals = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-optcli-").FullName;
    private TunableApp _app = null!;
    private VigilServer _server = null!;

    private string Url => _server.BaseAddress.ToString();

    public async Task InitializeAsync()
    {
        _app = await TunableApp.StartAsync();
        _app.AddInteger("pool_size", 4, 1, 64);
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            Optimization = Optimization(OptimizationMode.Approve, [Tunable(_app.BaseAddress)],
                [Policy("grow-pool", "HighLatency", "app", Params(("factor", "2")))]) with { ApiToken = "cli-token" },
            SignalSources = [_signals],
            StatisticalJudge = new UnusedJudge(),
        }, _storage);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class NoStorage : IStorageProvider
    {
        public IStorage Open(StorageSettings settings, ILoggerFactory loggers) => throw new InvalidOperationException();

        public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers) => throw new InvalidOperationException();

        public IStorage OpenInMemory() => throw new InvalidOperationException();
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new NoStorage(), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task ListShowApproveRollback_AgainstAServer()
    {
        _signals.Set(TestSignals.Alert("HighLatency", "warning", ("service", "demo")));
        string id = Assert.Single(await _server.Optimizer!.DecideAsync()).Id;

        var (code, output, err) = await RunAsync("optimize", "list", "--server", Url);
        Assert.True(code == 0, err);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("mode: approve", lines[0].TrimEnd());
        Assert.Matches(@"^ID\s+STATUS\s+PHASE\s+MODE\s+POLICY\s+TYPE\s+TARGET\s+IMPACT\s+CREATED", lines[1]);
        Assert.Matches("^" + id[..12] + @"\s+Pending\s+Proposed\s+approve\s+grow-pool\s+ScaleUp\s+app/pool_size\s+-\s+", lines[2]);

        (code, output, err) = await RunAsync("optimize", "show", id[..8], "--server", Url);
        Assert.True(code == 0, err);
        Assert.Contains("status:      Pending (proposed), approve mode", output, StringComparison.Ordinal);
        Assert.Contains("action:      ScaleUp app/pool_size via app (factor=2)", output, StringComparison.Ordinal);
        Assert.Contains("trigger:     alert HighLatency (warning) {", output, StringComparison.Ordinal);
        Assert.Contains("service=\"demo\"", output, StringComparison.Ordinal);

        (code, _, err) = await RunAsync("optimize", "approve", id, "--server", Url);
        Assert.Equal(1, code);
        Assert.Contains("answered 401 Unauthorized: a valid bearer token is required", err, StringComparison.Ordinal);
        Assert.Equal(4L, _app.Value("pool_size"));

        string tokenFile = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenFile, "cli-token\n");
        (code, output, err) = await RunAsync("optimize", "approve", id, "--server", Url, "--token-file", tokenFile, "--by", "dana");
        Assert.True(code == 0, err);
        Assert.StartsWith(id + ": Running (capturing)", output, StringComparison.Ordinal);
        await OptimizerWaits.WaitForAsync(_server.Optimizer, id, e => e.Phase == ExecutionPhase.Observing);
        Assert.Equal(8L, _app.Value("pool_size"));

        (code, _, err) = await RunAsync("optimize", "rollback", id, "--server", Url, "--token-file", tokenFile);
        Assert.True(code == 0, err);
        var done = await _server.Optimizer.WaitForEndAsync(id).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ExecutionStatus.RolledBack, done.Status);
        Assert.Equal(4L, _app.Value("pool_size"));
        Assert.Contains(done.Notes, n => n.Text.StartsWith("approved by dana from 127.0.0.1", StringComparison.Ordinal));

        (code, output, err) = await RunAsync("optimize", "show", id, "--server", Url);
        Assert.True(code == 0, err);
        Assert.Contains("value:       4 -> 8", output, StringComparison.Ordinal);
        Assert.Contains("rolled back: pool_size: 8 -> 4 (restored)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reject_UnknownId_Exits1WithTheServersError()
    {
        string tokenFile = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenFile, "cli-token");
        var (code, _, err) = await RunAsync("optimize", "reject", "ffffffffffff", "--server", Url, "--reason", "no", "--token-file", tokenFile);
        Assert.Equal(1, code);
        Assert.Contains("answered 404 Not Found: no optimization ffffffffffff", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ServerDown_Exits1NamingTheUrl()
    {
        var (code, _, err) = await RunAsync("optimize", "list", "--server", "http://127.0.0.1:1/");
        Assert.Equal(1, code);
        Assert.Contains("cannot reach http://127.0.0.1:1/api/v1/optimizations", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_NamesTheDefaultServer()
    {
        var (code, output, _) = await RunAsync("optimize", "list", "--help");
        Assert.Equal(0, code);
        Assert.Contains("http://127.0.0.1:9612", output, StringComparison.Ordinal);
    }
}
