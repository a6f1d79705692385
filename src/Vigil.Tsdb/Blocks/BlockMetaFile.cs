using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Tsdb.Blocks;

/// <summary>Reads and writes <c>meta.json</c> in Prometheus's shape (ulid, minTime, maxTime, stats, compaction, version).</summary>
internal static class BlockMetaFile
{
    /// <summary>The file name inside a block directory.</summary>
    public const string FileName = "meta.json";

    /// <summary>The meta.json bytes for <paramref name="meta"/>.</summary>
    public static byte[] Serialize(BlockMeta meta)
    {
        var dto = new MetaDto
        {
            Ulid = meta.Ulid.ToString(),
            MinTime = meta.MinTime,
            MaxTime = meta.MaxTime,
            Stats = new StatsDto { NumSamples = meta.Stats.NumSamples, NumSeries = meta.Stats.NumSeries, NumChunks = meta.Stats.NumChunks },
            Compaction = new CompactionDto
            {
                Level = meta.Compaction.Level,
                Sources = [.. meta.Compaction.Sources.Select(static s => s.ToString())],
                Parents = meta.Compaction.Parents.Count == 0
                    ? null
                    : [.. meta.Compaction.Parents.Select(static p => new ParentDto { Ulid = p.Ulid.ToString(), MinTime = p.MinTime, MaxTime = p.MaxTime })],
            },
            Version = meta.Version,
        };
        return JsonSerializer.SerializeToUtf8Bytes(dto, MetaJsonContext.Default.MetaDto);
    }

    /// <summary>Parses and validates meta.json bytes; errors are <see cref="BlockCorruptedException"/> naming <paramref name="path"/>.</summary>
    public static BlockMeta Parse(ReadOnlySpan<byte> json, string path)
    {
        MetaDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize(json, MetaJsonContext.Default.MetaDto);
        }
        catch (JsonException e)
        {
            long line = (e.LineNumber ?? 0) + 1;
            long col = (e.BytePositionInLine ?? 0) + 1;
            throw new BlockCorruptedException(path, null, $"invalid JSON at line {line}, column {col}: {e.Message}", e);
        }
        if (dto is null)
        {
            throw new BlockCorruptedException(path, null, "meta.json holds null");
        }
        if (dto.Version != 1)
        {
            throw new BlockCorruptedException(path, null, $"unsupported meta.json version {dto.Version}");
        }
        var ulid = ParseUlid(dto.Ulid, "ulid", path);
        if (dto.MaxTime <= dto.MinTime)
        {
            throw new BlockCorruptedException(path, null, $"maxTime {dto.MaxTime} is not after minTime {dto.MinTime}");
        }
        var c = dto.Compaction;
        if (c.Level < 1)
        {
            throw new BlockCorruptedException(path, null, $"compaction level {c.Level} is below 1");
        }
        var sources = (c.Sources ?? []).Select(s => ParseUlid(s, "compaction.sources", path)).ToArray();
        var parents = (c.Parents ?? []).Select(p => new BlockParent(ParseUlid(p.Ulid, "compaction.parents.ulid", path), p.MinTime, p.MaxTime)).ToArray();
        var stats = dto.Stats ?? new StatsDto();
        return new BlockMeta(ulid, dto.MinTime, dto.MaxTime, new BlockStats(stats.NumSamples, stats.NumSeries, stats.NumChunks),
            new BlockCompaction(c.Level, sources, parents), dto.Version);
    }

    /// <summary>Reads and parses the meta.json of the block in <paramref name="blockDir"/>.</summary>
    public static BlockMeta Read(string blockDir)
    {
        string path = Path.Combine(blockDir, FileName);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException e)
        {
            throw new BlockCorruptedException(path, null, "meta.json is missing", e);
        }
        return Parse(bytes, path);
    }

    private static Ulid ParseUlid(string? s, string field, string path)
        => Ulid.TryParse(s, out var u) ? u : throw new BlockCorruptedException(path, null, $"field \"{field}\" is not a ULID: \"{s}\"");

    internal sealed class MetaDto
    {
        [JsonPropertyName("ulid")]
        [JsonRequired]
        public string Ulid { get; set; } = "";

        [JsonPropertyName("minTime")]
        [JsonRequired]
        public long MinTime { get; set; }

        [JsonPropertyName("maxTime")]
        [JsonRequired]
        public long MaxTime { get; set; }

        [JsonPropertyName("stats")]
        public StatsDto? Stats { get; set; }

        [JsonPropertyName("compaction")]
        [JsonRequired]
        public CompactionDto Compaction { get; set; } = new();

        [JsonPropertyName("version")]
        [JsonRequired]
        public int Version { get; set; }
    }

    internal sealed class StatsDto
    {
        [JsonPropertyName("numSamples")]
        public long NumSamples { get; set; }

        [JsonPropertyName("numSeries")]
        public long NumSeries { get; set; }

        [JsonPropertyName("numChunks")]
        public long NumChunks { get; set; }
    }

    internal sealed class CompactionDto
    {
        [JsonPropertyName("level")]
        [JsonRequired]
        public int Level { get; set; }

        [JsonPropertyName("sources")]
        public List<string>? Sources { get; set; }

        [JsonPropertyName("parents")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public List<ParentDto>? Parents { get; set; }
    }

    internal sealed class ParentDto
    {
        [JsonPropertyName("ulid")]
        [JsonRequired]
        public string Ulid { get; set; } = "";

        [JsonPropertyName("minTime")]
        public long MinTime { get; set; }

        [JsonPropertyName("maxTime")]
        public long MaxTime { get; set; }
    }
}

/// <summary>Source-generated JSON metadata for meta.json.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(BlockMetaFile.MetaDto))]
internal sealed partial class MetaJsonContext : JsonSerializerContext;
