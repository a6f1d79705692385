using System.Net;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tunables;
using Vigil.Optimizer.Executors;
using static Vigil.Server.Tests.Optimizer.ExecutorTestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>The server's tunable executor against the real Vigil.Sdk endpoint (the standalone listener), both sides of docs/TUNABLES.md.</summary>
public sealed class TunableExecutorSdkTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly TunableRegistry _registry = new("Vigil.Server.Tests.Tunables." + Guid.NewGuid().ToString("N"));
    private readonly List<long> _resizes = new();
    private IntegerTunable _pool = null!;
    private NumberTunable _ratio = null!;
    private EnumTunable _eviction = null!;
    private VigilHttpListener _listener = null!;

    public Task InitializeAsync()
    {
        _pool = _registry.AddInteger("pool_size", 3, min: 1, max: 20, onChanged: v =>
        {
            lock (_resizes)
            {
                _resizes.Add(v);
            }
        });
        _ratio = _registry.AddNumber("hit_ratio_target", 0.8, min: 0.5, max: 0.99);
        _eviction = _registry.AddEnum("eviction", "lru", ["lru", "lfu", "fifo"]);
        var endpoint = new VigilEndpoint(new VigilMetrics());
        endpoint.ServeTunables(_registry, "s3cret");
        _listener = VigilHttpListener.Start(endpoint, port: 0, IPAddress.Loopback);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _listener.DisposeAsync();
        _registry.Dispose();
    }

    private TunableExecutor Executor(string? token = "s3cret") => new(Tunable(_listener.BaseAddress, token), _http);

    [Fact]
    public async Task CaptureApplyRollback_Integer_SetsThenRestoresExactly()
    {
        var executor = Executor();
        var e = Execution(Params(("factor", "2.5")));

        e = e with { PreviousValue = await executor.CaptureAsync(e, CancellationToken.None) };
        var applied = await executor.ApplyAsync(e, CancellationToken.None);
        long during = _pool.Value;
        var restored = await executor.RollbackAsync(e, CancellationToken.None);

        Assert.Equal("3", e.PreviousValue);
        Assert.Equal("pool_size: 3 -> 8", applied.Output);
        Assert.Equal(8, during);
        Assert.Equal("3", restored.Value);
        Assert.Equal("pool_size: 8 -> 3 (restored)", restored.Output);
        Assert.Equal(3, _pool.Value);
        Assert.Equal([8L, 3L], _resizes);
        Assert.Equal(2, _pool.Changes);
    }

    [Fact]
    public async Task ApplyRollback_NumberAndEnum_RestoredExactly()
    {
        var executor = Executor();
        var number = Execution(Params(("tunable", "hit_ratio_target"), ("delta", "0.15")));
        number = number with { PreviousValue = await executor.CaptureAsync(number, CancellationToken.None) };
        var applied = await executor.ApplyAsync(number, CancellationToken.None);
        double during = _ratio.Value;
        await executor.RollbackAsync(number, CancellationToken.None);

        var enumeration = Execution(Params(("tunable", "eviction"), ("set", "fifo")));
        enumeration = enumeration with { PreviousValue = await executor.CaptureAsync(enumeration, CancellationToken.None) };
        await executor.ApplyAsync(enumeration, CancellationToken.None);
        string enumDuring = _eviction.Value;
        await executor.RollbackAsync(enumeration, CancellationToken.None);

        Assert.Equal("0.8", number.PreviousValue);
        Assert.Equal(0.8 + 0.15, during);
        Assert.Equal("0.8", _ratio.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith("hit_ratio_target: 0.8 -> 0.95", applied.Output, StringComparison.Ordinal);
        Assert.Equal("fifo", enumDuring);
        Assert.Equal("lru", _eviction.Value);
    }

    [Fact]
    public async Task Apply_AtTheMaximum_NothingSent()
    {
        _pool.Value = 20;
        var result = await Executor().ApplyAsync(Execution(Params(("factor", "2"))), CancellationToken.None);
        Assert.False(result.Changed);
        Assert.Equal("pool_size is already at its maximum 20", result.Output);
        Assert.Equal(1, _pool.Changes);
    }

    [Fact]
    public async Task Rollback_CapturedValueOutsideTheBounds_SdkAnswers400AndKeepsTheValue()
    {
        var e = Execution(Params(("delta", "1")), previous: "25");
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => Executor().RollbackAsync(e, CancellationToken.None));
        Assert.Equal($"PUT {_listener.BaseAddress}vigil/tunables/pool_size answered 400 Bad Request (value refused)", ex.Message);
        Assert.Equal("{\"error\":\"tunable pool_size: 25 is outside [1, 20]\"}", ex.Output);
        Assert.Equal(3, _pool.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("nope")]
    public async Task Apply_MissingOrWrongToken_SdkAnswers401(string? token)
    {
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => Executor(token).ApplyAsync(Execution(Params(("delta", "1"))), CancellationToken.None));
        Assert.Equal($"GET {_listener.BaseAddress}vigil/tunables/pool_size answered 401 Unauthorized (missing or wrong bearer token)", ex.Message);
        Assert.Equal(3, _pool.Value);
    }

    [Fact]
    public async Task Capture_UnknownTunable_SdkAnswers404()
    {
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => Executor().CaptureAsync(Execution(Params(("tunable", "threads"), ("delta", "1"))), CancellationToken.None));
        Assert.EndsWith("vigil/tunables/threads answered 404 Not Found (no such tunable)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ReadsKindsBoundsAndMembers()
    {
        var all = await new TunableClient(_http, _listener.BaseAddress, "s3cret").ListAsync(CancellationToken.None);
        Assert.Equal(["pool_size", "hit_ratio_target", "eviction"], all.Select(t => t.Name));
        Assert.Equal(("integer", 1.0, 20.0), (all[0].Kind, all[0].Min, all[0].Max));
        Assert.Equal(("number", 0.5, 0.99), (all[1].Kind, all[1].Min, all[1].Max));
        Assert.Equal(["lru", "lfu", "fifo"], all[2].Values);
    }
}
