using System.Text.Json;
using Vigil.Optimizer.Executors;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Optimizer.ExecutorTestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>The server side of docs/TUNABLES.md against a real Kestrel app implementing the contract.</summary>
public sealed class TunableExecutorTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private TunableApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await TunableApp.StartAsync("s3cret");
        _app.AddInteger("pool_size", 3, 1, 20);
        _app.AddEnum("eviction", "lru", "lru", "lfu", "fifo");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private TunableExecutor Executor(string? token = "s3cret")
        => new(OptimizerConfigs.Tunable(_app.BaseAddress, token), _http);

    [Fact]
    public async Task CaptureApplyRollback_Integer_ChangesAndRestoresExactly()
    {
        var executor = Executor();
        var e = Execution(Params(("factor", "2")));

        e = e with { PreviousValue = await executor.CaptureAsync(e, CancellationToken.None) };
        var applied = await executor.ApplyAsync(e, CancellationToken.None);
        long during = (long)_app.Value("pool_size");
        var restored = await executor.RollbackAsync(e, CancellationToken.None);

        Assert.Equal("3", e.PreviousValue);
        Assert.Equal("6", applied.Value);
        Assert.Equal("pool_size: 3 -> 6", applied.Output);
        Assert.Equal(6L, during);
        Assert.Equal("3", restored.Value);
        Assert.Equal(3L, _app.Value("pool_size"));
        Assert.Equal(["GET /vigil/tunables/pool_size", "GET /vigil/tunables/pool_size", "PUT /vigil/tunables/pool_size",
            "GET /vigil/tunables/pool_size", "PUT /vigil/tunables/pool_size"], _app.Requests);
    }

    [Fact]
    public async Task ApplyRollback_Enum_SetsAMemberAndRestoresIt()
    {
        var executor = Executor();
        var e = Execution(Params(("tunable", "eviction"), ("set", "lfu")));
        e = e with { PreviousValue = await executor.CaptureAsync(e, CancellationToken.None) };
        await executor.ApplyAsync(e, CancellationToken.None);
        Assert.Equal("lfu", _app.Value("eviction"));
        await executor.RollbackAsync(e, CancellationToken.None);
        Assert.Equal("lru", _app.Value("eviction"));
    }

    [Fact]
    public async Task Apply_WrongToken_FailsWith401()
    {
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => Executor("nope").ApplyAsync(Execution(Params(("delta", "1"))), CancellationToken.None));
        Assert.Equal($"GET {_app.BaseAddress}vigil/tunables/pool_size answered 401 Unauthorized (missing or wrong bearer token)", ex.Message);
        Assert.Contains("missing or wrong bearer token", ex.Output, StringComparison.Ordinal);
        Assert.Equal(3L, _app.Value("pool_size"));
    }

    [Fact]
    public async Task Capture_UnknownTunable_FailsWith404()
    {
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => Executor().CaptureAsync(Execution(Params(("tunable", "threads"), ("delta", "1"))), CancellationToken.None));
        Assert.EndsWith("vigil/tunables/threads answered 404 Not Found (no such tunable)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_EnumMemberThatDoesNotExist_FailsBeforeSending()
    {
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => Executor().ApplyAsync(Execution(Params(("tunable", "eviction"), ("set", "random"))), CancellationToken.None));
        Assert.Equal("tunable eviction: set \"random\" is not one of lru, lfu, fifo", ex.Message);
        Assert.DoesNotContain(_app.Requests, r => r.StartsWith("PUT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rollback_ValueOutsideTheBounds_FailsWithTheAppsAnswer()
    {
        var executor = Executor();
        var e = Execution(Params(("delta", "1")), previous: "25");
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => executor.RollbackAsync(e, CancellationToken.None));
        Assert.StartsWith($"PUT {_app.BaseAddress}vigil/tunables/pool_size answered 400 Bad Request (value refused)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("25 is outside [1, 20]", ex.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ReturnsEveryTunableWithItsKindAndBounds()
    {
        var client = new TunableClient(_http, _app.BaseAddress, "s3cret");
        var all = await client.ListAsync(CancellationToken.None);
        Assert.Equal(["pool_size", "eviction"], all.Select(t => t.Name));
        Assert.Equal(("integer", 1.0, 20.0), (all[0].Kind, all[0].Min, all[0].Max));
        Assert.Equal(["lru", "lfu", "fifo"], all[1].Values);
    }

    [Theory]
    [InlineData(3, "factor", "1.2", "4", "")]
    [InlineData(3, "factor", "0.9", "2", "")]
    [InlineData(3, "factor", "2.5", "8", "")]
    [InlineData(12, "factor", "2", "20", " (capped at the maximum)")]
    [InlineData(2, "delta", "-5", "1", " (raised to the minimum)")]
    [InlineData(3, "delta", "+4", "7", "")]
    [InlineData(3, "set", "10", "10", "")]
    public void Plan_Integer_RoundsMovesAtLeastOneStepAndKeepsWithinBounds(long current, string op, string arg, string expected, string note)
    {
        var (value, text) = TunableExecutor.Plan(Knob(current), Params((op, arg)));
        Assert.Equal(expected, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.IsType<long>(value);
        Assert.Equal(note, text);
    }

    [Theory]
    [InlineData(20, "factor", "2", "pool_size is already at its maximum 20")]
    [InlineData(1, "delta", "-1", "pool_size is already at its minimum 1")]
    [InlineData(5, "set", "5", "pool_size is already 5")]
    public void Plan_NothingToChange_ReturnsNullWithTheReason(long current, string op, string arg, string reason)
    {
        var (value, text) = TunableExecutor.Plan(Knob(current), Params((op, arg)));
        Assert.Null(value);
        Assert.Equal(reason, text);
    }

    [Theory]
    [InlineData("set", "50", "tunable pool_size: set 50 is outside the declared bounds [1, 20]")]
    [InlineData("factor", "-1", "tunable pool_size: factor must be positive, got -1")]
    [InlineData("delta", "two", "tunable pool_size: parameter delta \"two\" is not a number")]
    [InlineData("set", "2.5", "tunable pool_size is an integer but set is \"2.5\"")]
    public void Plan_BadParameters_FailNamingTheKnob(string op, string arg, string message)
        => Assert.Equal(message, Assert.Throws<ExecutorException>(() => TunableExecutor.Plan(Knob(3), Params((op, arg)))).Message);

    [Fact]
    public void Plan_TwoChangesAtOnce_Fails()
        => Assert.Equal("tunable pool_size: the action needs exactly one of the parameters set, delta or factor",
            Assert.Throws<ExecutorException>(() => TunableExecutor.Plan(Knob(3), Params(("set", "4"), ("delta", "1")))).Message);

    private static TunableInfo Knob(long value)
    {
        using var doc = JsonDocument.Parse(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new TunableInfo("pool_size", "integer", doc.RootElement.Clone(), 1, 20, []);
    }
}
