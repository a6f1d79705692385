namespace Vigil.Tsdb.Chunks;

/// <summary>The encoding of a chunk's bytes, stored beside each chunk on disk.</summary>
public enum ChunkEncoding : byte
{
    /// <summary>Gorilla-style: delta-of-delta timestamps and XOR-compressed float values (the head; blocks written before the block encoding).</summary>
    Xor = 1,

    /// <summary>Columns of delta-of-delta timestamps and decimal or raw values, compressed with zstd (blocks; see <c>BlockChunk</c>).</summary>
    Block = 2,
}
