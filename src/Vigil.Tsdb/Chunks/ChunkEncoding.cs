namespace Vigil.Tsdb.Chunks;

/// <summary>The encoding of a chunk's bytes, stored beside each chunk on disk.</summary>
public enum ChunkEncoding : byte
{
    /// <summary>Gorilla-style: delta-of-delta timestamps and XOR-compressed float values.</summary>
    Xor = 1,
}
