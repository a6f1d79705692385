using System.Text;
using System.Text.Json;
using Vigil.Optimizer.History;
using Vigil.Optimizer.Model;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Optimizer;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-audit-").FullName;
    private readonly ListLogger _log = new();

    private string FilePath => Path.Combine(_dataDir, "optimizer", "audit.jsonl");

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static AuditEntry Entry(int i, string principal = "alice") => new(
        new DateTimeOffset(2025, 1, 2, 3, 4, i, TimeSpan.Zero), principal, "request", "approve", "id" + i, "ok", "from 127.0.0.1")
    {
        Target = "svc/" + i,
    };

    [Fact]
    public void Append_ThenReopen_EveryEntryOnItsOwnLineAndReadBackNewestFirst()
    {
        using (var log = AuditLog.Open(_dataDir, _log))
        {
            log.Append(Entry(1));
            log.Append(Entry(2, "anonymous"));
        }

        string[] lines = File.ReadAllLines(FilePath);
        Assert.Equal(2, lines.Length);
        using (var doc = JsonDocument.Parse(lines[1]))
        {
            Assert.Equal("anonymous", doc.RootElement.GetProperty("principal").GetString());
            Assert.Equal("approve", doc.RootElement.GetProperty("action").GetString());
            Assert.Equal("id2", doc.RootElement.GetProperty("executionId").GetString());
            Assert.Equal("2025-01-02T03:04:02+00:00", doc.RootElement.GetProperty("time").GetString());
        }
        using var reopened = AuditLog.Open(_dataDir, _log);
        Assert.Equal(["id2", "id1"], reopened.Recent(10).Select(e => e.ExecutionId));
        Assert.Equal("svc/1", reopened.Recent(10)[1].Target);
    }

    [Fact]
    public void Open_TornLastLine_KeptInTheFileSkippedWhenReadAndTheNextEntryStartsANewLine()
    {
        using (var log = AuditLog.Open(_dataDir, _log))
        {
            log.Append(Entry(1));
        }
        File.AppendAllText(FilePath, "{\"time\":\"2025-01-02T03:04:0");
        long before = new FileInfo(FilePath).Length;

        using (var log = AuditLog.Open(_dataDir, _log))
        {
            Assert.Equal(["id1"], log.Recent(10).Select(e => e.ExecutionId));
            log.Append(Entry(3));
        }

        string text = File.ReadAllText(FilePath, Encoding.UTF8);
        Assert.True(text.Length > before, "append-only: nothing was cut");
        Assert.Contains("{\"time\":\"2025-01-02T03:04:0\n{", text, StringComparison.Ordinal);
        using var again = AuditLog.Open(_dataDir, _log);
        Assert.Equal(["id3", "id1"], again.Recent(10).Select(e => e.ExecutionId));
    }

    [Fact]
    public void Append_LongDetail_CutToTheOutputLimitKeepingTheEnd()
    {
        using var log = AuditLog.Open(_dataDir, _log);

        log.Append(Entry(1) with { Detail = new string('x', 100_000) + "the end" });

        string line = File.ReadAllLines(FilePath).Single();
        Assert.True(line.Length < 5_000, $"{line.Length} characters");
        Assert.EndsWith("the end", log.Recent(1)[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Recent_MoreThanTheLimit_NewestOnly()
    {
        using var log = AuditLog.Open(null, _log);
        for (int i = 0; i < 30; i++)
        {
            log.Append(Entry(i % 60));
        }

        Assert.Equal(["id29", "id28", "id27"], log.Recent(3).Select(e => e.ExecutionId));
        Assert.Null(log.Path);
    }
}
