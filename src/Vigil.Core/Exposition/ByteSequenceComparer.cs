using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Vigil.Core.Exposition;

/// <summary>
/// Compares byte arrays by content and lets dictionaries keyed by <c>byte[]</c> be searched with a span, so a lookup of
/// raw series bytes allocates nothing.
/// </summary>
/// <remarks>The hash is seeded randomly per process, so a scrape target cannot craft colliding series.</remarks>
internal sealed class ByteSequenceComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    private const ulong Prime0 = 0xa0761d6478bd642fUL;
    private const ulong Prime1 = 0xe7037ed1a0b428dbUL;
    private const ulong Prime2 = 0x8ebc6af09c88c6e3UL;

    private static readonly ulong s_seed = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));

    public static ByteSequenceComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y)
        => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    /// <summary>A fast 64-bit multiply-mix hash over 8-byte words, folded to 32 bits.</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        ulong h = s_seed ^ ((ulong)data.Length * Prime0);
        while (data.Length >= 8)
        {
            h = Mix(h ^ BinaryPrimitives.ReadUInt64LittleEndian(data), Prime1);
            data = data[8..];
        }
        if (!data.IsEmpty)
        {
            ulong tail = 0;
            for (int i = data.Length - 1; i >= 0; i--)
            {
                tail = (tail << 8) | data[i];
            }
            h = Mix(h ^ tail, Prime2);
        }
        h = Mix(h, Prime0);
        return (int)(h ^ (h >> 32));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return high ^ low;
    }
}
