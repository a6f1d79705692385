using System.Text;
using Microsoft.Extensions.Logging;
using Vigil.Analysis.Insights;
using Vigil.Optimizer.History;
using Vigil.Optimizer.Model;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Optimizer;

public sealed class OptimizationJournalTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-journal-").FullName;
    private readonly ListLogger _log = new();

    private string FilePath => Path.Combine(_dataDir, "optimizer", "executions.jsonl");

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static OptimizationExecution Execution(string id, ExecutionStatus status, double? impact = null) => new()
    {
        Id = id,
        Action = new OptimizationAction
        {
            Id = "a-" + id,
            Type = OptimizationActionType.CacheOptimization,
            Target = "cache/" + id,
            Policy = "p",
            Executor = "e",
            Parameters = new Dictionary<string, string> { ["factor"] = "1.5" },
            Timeout = TimeSpan.FromSeconds(30),
        },
        Status = status,
        CreatedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        ActualImpact = impact,
        Evidence = impact is null ? null : new EvaluationEvidence
        {
            BaselineStart = DateTimeOffset.UnixEpoch,
            BaselineEnd = DateTimeOffset.UnixEpoch.AddMinutes(5),
            ObservationStart = DateTimeOffset.UnixEpoch.AddMinutes(6),
            ObservationEnd = DateTimeOffset.UnixEpoch.AddMinutes(11),
            Metrics =
            [
                new MetricEvidence
                {
                    Name = "p99",
                    Role = MetricRole.Target,
                    Query = "q",
                    Baseline = WindowStatistics.Of([1.0, 2.0, 3.0]),
                    Observation = new WindowStatistics(),
                    Classification = MetricClassification.NoData,
                },
            ],
        },
    };

    [Fact]
    public void Append_Reopen_LastSnapshotOfEachIdWinsInFirstSeenOrder()
    {
        using (var journal = OptimizationJournal.Open(_dataDir, _log, out var none))
        {
            Assert.Empty(none);
            journal.Append(Execution("one", ExecutionStatus.Pending));
            journal.Append(Execution("two", ExecutionStatus.Running));
            journal.Append(Execution("one", ExecutionStatus.Completed, impact: 0.25));
        }

        using var reopened = OptimizationJournal.Open(_dataDir, _log, out var loaded);

        Assert.Equal(["one", "two"], loaded.Select(e => e.Id));
        Assert.Equal(ExecutionStatus.Completed, loaded[0].Status);
        Assert.Equal(0.25, loaded[0].ActualImpact);
        Assert.Equal(TimeSpan.FromSeconds(30), loaded[0].Action.Timeout);
        Assert.Equal("1.5", loaded[0].Action.Parameters["factor"]);
        var metric = Assert.Single(loaded[0].Evidence!.Metrics);
        Assert.Equal(2.0, metric.Baseline.Median);
        Assert.True(double.IsNaN(metric.Observation.Median));
        Assert.Equal(3, File.ReadAllLines(FilePath).Length);
    }

    [Fact]
    public void Append_WritesOneJsonObjectPerLineWithNamedEnumsAndSeconds()
    {
        using (var journal = OptimizationJournal.Open(_dataDir, _log, out _))
        {
            journal.Append(Execution("one", ExecutionStatus.RolledBack));
        }
        string line = Assert.Single(File.ReadAllLines(FilePath));
        Assert.StartsWith("{\"id\":\"one\",\"action\":{\"id\":\"a-one\",\"type\":\"CacheOptimization\",\"target\":\"cache/one\"", line, StringComparison.Ordinal);
        Assert.Contains("\"timeout\":30", line, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"RolledBack\"", line, StringComparison.Ordinal);
        Assert.Contains("\"createdAt\":\"2025-01-02T03:04:05+00:00\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TornLastRecord_IsCutOffAndLaterAppendsStayReadable()
    {
        using (var journal = OptimizationJournal.Open(_dataDir, _log, out _))
        {
            journal.Append(Execution("one", ExecutionStatus.Running));
        }
        long goodLength = new FileInfo(FilePath).Length;
        // A crash in the middle of the second write: half a record and no newline.
        File.AppendAllText(FilePath, "{\"id\":\"two\",\"action\":{\"id\":\"a-two\",\"ty");

        using (var journal = OptimizationJournal.Open(_dataDir, _log, out var loaded))
        {
            Assert.Equal(["one"], loaded.Select(e => e.Id));
            Assert.Equal(goodLength, new FileInfo(FilePath).Length);
            journal.Append(Execution("three", ExecutionStatus.Pending));
        }
        using var again = OptimizationJournal.Open(_dataDir, _log, out var after);

        Assert.Equal(["one", "three"], after.Select(e => e.Id));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(":2: the last history record is incomplete", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_MalformedRecordInTheMiddle_IsSkippedWithItsLineNumber()
    {
        using (var journal = OptimizationJournal.Open(_dataDir, _log, out _))
        {
            journal.Append(Execution("one", ExecutionStatus.Running));
        }
        File.AppendAllText(FilePath, "{\"id\": 12}\n");
        using (var journal = OptimizationJournal.Open(_dataDir, _log, out _))
        {
            journal.Append(Execution("two", ExecutionStatus.Running));
        }

        using var reopened = OptimizationJournal.Open(_dataDir, _log, out var loaded);

        Assert.Equal(["one", "two"], loaded.Select(e => e.Id));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith(FilePath + ":2: skipping a malformed history record", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_LastRecordWithoutNewline_IsKeptAndTheNextAppendStartsANewLine()
    {
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_dataDir, "optimizer")).FullName, "executions.jsonl"),
            OptimizerJson.Serialize(Execution("one", ExecutionStatus.Pending)), new UTF8Encoding(false));
        using (var journal = OptimizationJournal.Open(_dataDir, _log, out var loaded))
        {
            Assert.Equal(["one"], loaded.Select(e => e.Id));
            journal.Append(Execution("two", ExecutionStatus.Pending));
        }
        using var reopened = OptimizationJournal.Open(_dataDir, _log, out var after);
        Assert.Equal(["one", "two"], after.Select(e => e.Id));
    }

    [Fact]
    public void Compact_RewritesOneRecordPerExecution()
    {
        using var journal = OptimizationJournal.Open(_dataDir, _log, out _);
        var e = Execution("one", ExecutionStatus.Running);
        for (int i = 0; i < 300; i++)
        {
            journal.Append(e);
        }
        Assert.True(journal.NeedsCompaction(1));

        journal.Compact([e, Execution("two", ExecutionStatus.Pending)]);
        journal.Append(Execution("three", ExecutionStatus.Pending));

        Assert.False(journal.NeedsCompaction(3));
        Assert.Equal(3, File.ReadAllLines(FilePath).Length);
        Assert.False(File.Exists(FilePath + ".tmp"));
    }

    [Fact]
    public void Open_WithoutDirectory_KeepsNothingOnDisk()
    {
        using var journal = OptimizationJournal.Open(null, _log, out var loaded);
        journal.Append(Execution("one", ExecutionStatus.Pending));
        Assert.Empty(loaded);
        Assert.Null(journal.Path);
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "optimizer")));
    }
}
