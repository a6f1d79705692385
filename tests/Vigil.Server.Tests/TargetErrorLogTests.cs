using Microsoft.Extensions.Logging;
using Vigil.Collection.Collectors;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

public sealed class TargetErrorLogTests
{
    [Fact]
    public void Failed_RepeatedWithinAMinute_LoggedOncePerTargetAndAgainAfterAMinute()
    {
        var logger = new ListLogger();
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var log = new TargetErrorLog(logger, "probe", clock);
        for (int i = 0; i < 10; i++)
        {
            log.Failed("tcp a:1", "connection refused");
            log.Failed("tcp b:2", "timed out");
            clock.Advance(TimeSpan.FromSeconds(5));
        }
        Assert.Equal(2, logger.Entries.Count);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message == "Collector probe: target tcp a:1 failed: connection refused");
        clock.Advance(TimeSpan.FromSeconds(15)); // 65 s after the first failure
        log.Failed("tcp a:1", "connection refused");
        Assert.Equal(3, logger.Entries.Count);
    }

    [Fact]
    public void Succeeded_AfterFailure_LogsRecoveryOnceAndNextFailureImmediately()
    {
        var logger = new ListLogger();
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var log = new TargetErrorLog(logger, "postgres", clock);
        log.Succeeded("db");
        Assert.Empty(logger.Entries);
        log.Failed("db", "down");
        log.Succeeded("db");
        log.Succeeded("db");
        Assert.Equal(["Collector postgres: target db failed: down", "Collector postgres: target db works again"], logger.Entries.Select(e => e.Message));
        log.Failed("db", "down again");
        Assert.Equal("Collector postgres: target db failed: down again", logger.Entries[^1].Message);
    }
}
