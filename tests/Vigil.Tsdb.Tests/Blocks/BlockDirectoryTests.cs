using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Tsdb.Blocks;
using static Vigil.Tsdb.Tests.Blocks.BlockTestData;

namespace Vigil.Tsdb.Tests.Blocks;

public class BlockDirectoryTests
{
    private const long T0 = 1_700_006_400_000;

    private static BlockMeta WriteBlock(string dataDir, long mint, string metric = "m", BlockCompaction? lineage = null, Ulid? ulid = null)
    {
        var samples = Regular(mint, mint + (2 * Hour), 60_000, t => t / 1000.0);
        return new BlockWriter().Write(dataDir, Series([(LabelSet.Of("__name__", metric), samples)]), mint, mint + (2 * Hour), ulid, lineage);
    }

    [Fact]
    public void OpenBlocks_CorruptedIndex_MovesItAsideLogsErrorAndKeepsOthers()
    {
        using var tmp = new TempDir();
        var a = WriteBlock(tmp.Path, T0);
        var b = WriteBlock(tmp.Path, T0 + (2 * Hour));
        var c = WriteBlock(tmp.Path, T0 + (4 * Hour));
        string badIndex = Path.Combine(tmp.Path, b.Ulid.ToString(), "index");
        var bytes = File.ReadAllBytes(badIndex);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(badIndex, bytes);

        var log = new ListLogger();
        var blocks = BlockDirectory.OpenBlocks(tmp.Path, log);
        try
        {
            Assert.Equal([a.Ulid, c.Ulid], blocks.Select(x => x.Meta.Ulid));
            Assert.True(Directory.Exists(Path.Combine(tmp.Path, b.Ulid + ".corrupted")));
            Assert.False(Directory.Exists(Path.Combine(tmp.Path, b.Ulid.ToString())));
            var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
            Assert.Contains(b.Ulid.ToString(), error.Message);
            Assert.Contains("index", error.Message);
            Assert.Contains("CRC-32C", error.Message);
        }
        finally
        {
            foreach (var x in blocks)
            {
                x.Dispose();
            }
        }

        // A second start-up ignores the corrupted directory and does not move anything again.
        var again = BlockDirectory.OpenBlocks(tmp.Path);
        Assert.Equal(2, again.Count);
        foreach (var x in again)
        {
            x.Dispose();
        }
        Assert.True(Directory.Exists(Path.Combine(tmp.Path, b.Ulid + ".corrupted")));
    }

    [Fact]
    public void OpenBlocks_BadMetaJson_MovesAside()
    {
        using var tmp = new TempDir();
        var a = WriteBlock(tmp.Path, T0);
        var b = WriteBlock(tmp.Path, T0 + (2 * Hour));
        File.WriteAllText(Path.Combine(tmp.Path, a.Ulid.ToString(), "meta.json"), "{");
        var blocks = BlockDirectory.OpenBlocks(tmp.Path);
        Assert.Equal([b.Ulid], blocks.Select(x => x.Meta.Ulid));
        blocks[0].Dispose();
        Assert.True(Directory.Exists(Path.Combine(tmp.Path, a.Ulid + ".corrupted")));
    }

    [Fact]
    public void OpenBlocks_LeftoverTemporaryDirectories_Removed()
    {
        using var tmp = new TempDir();
        var a = WriteBlock(tmp.Path, T0);
        var half = WriteBlock(tmp.Path, T0 + (2 * Hour));
        string halfDir = Path.Combine(tmp.Path, half.Ulid.ToString());
        Directory.Move(halfDir, halfDir + ".tmp-for-creation");
        File.Delete(Path.Combine(halfDir + ".tmp-for-creation", "meta.json"));
        var gone = WriteBlock(tmp.Path, T0 + (4 * Hour));
        string goneDir = Path.Combine(tmp.Path, gone.Ulid.ToString());
        Directory.Move(goneDir, goneDir + ".tmp-for-deletion");

        var blocks = BlockDirectory.OpenBlocks(tmp.Path);
        Assert.Equal([a.Ulid], blocks.Select(x => x.Meta.Ulid));
        blocks[0].Dispose();
        Assert.Equal([a.Ulid.ToString()], Directory.EnumerateDirectories(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void OpenBlocks_ParentsOfAnExistingBlock_DeletedAndOnlyChildReturned()
    {
        using var tmp = new TempDir();
        var p1 = WriteBlock(tmp.Path, T0);
        var p2 = WriteBlock(tmp.Path, T0 + (2 * Hour));
        var other = WriteBlock(tmp.Path, T0 + (4 * Hour));
        var child = Ulid.NewUlid();
        var lineage = new BlockCompaction(2, [p1.Ulid, p2.Ulid], [new BlockParent(p1.Ulid, p1.MinTime, p1.MaxTime), new BlockParent(p2.Ulid, p2.MinTime, p2.MaxTime)]);
        var samples = Regular(T0, T0 + (4 * Hour), 60_000, t => t / 1000.0);
        new BlockWriter().Write(tmp.Path, Series([(LabelSet.Of("__name__", "m"), samples)]), T0, T0 + (4 * Hour), child, lineage);

        var blocks = BlockDirectory.OpenBlocks(tmp.Path);
        Assert.Equal([child, other.Ulid], blocks.Select(x => x.Meta.Ulid));
        foreach (var b in blocks)
        {
            b.Dispose();
        }
        Assert.Equal(new[] { child.ToString(), other.Ulid.ToString() }.Order(), Directory.EnumerateDirectories(tmp.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void OpenBlocks_CorruptedChild_KeepsItsParents()
    {
        using var tmp = new TempDir();
        var p1 = WriteBlock(tmp.Path, T0);
        var p2 = WriteBlock(tmp.Path, T0 + (2 * Hour));
        var lineage = new BlockCompaction(2, [p1.Ulid, p2.Ulid], [new BlockParent(p1.Ulid, p1.MinTime, p1.MaxTime), new BlockParent(p2.Ulid, p2.MinTime, p2.MaxTime)]);
        var samples = Regular(T0, T0 + (4 * Hour), 60_000, t => t / 1000.0);
        var child = new BlockWriter().Write(tmp.Path, Series([(LabelSet.Of("__name__", "m"), samples)]), T0, T0 + (4 * Hour), null, lineage);
        string childIndex = Path.Combine(tmp.Path, child.Ulid.ToString(), "index");
        File.WriteAllBytes(childIndex, File.ReadAllBytes(childIndex)[..20]);

        var blocks = BlockDirectory.OpenBlocks(tmp.Path);
        Assert.Equal([p1.Ulid, p2.Ulid], blocks.Select(x => x.Meta.Ulid));
        foreach (var b in blocks)
        {
            b.Dispose();
        }
    }

    [Fact]
    public void Delete_BlockDirectory_RenamesThenRemoves()
    {
        using var tmp = new TempDir();
        var a = WriteBlock(tmp.Path, T0);
        BlockDirectory.Delete(Path.Combine(tmp.Path, a.Ulid.ToString()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
        Assert.Empty(BlockDirectory.OpenBlocks(Path.Combine(tmp.Path, "does-not-exist")));
    }

    /// <summary>Collects formatted log entries.</summary>
    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Entries.Add((logLevel, formatter(state, exception)));
    }
}
