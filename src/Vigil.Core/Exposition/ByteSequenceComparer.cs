using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// A fast hash: two independent multiply-rotate lanes over 16-byte blocks (so the CPU overlaps them), the tail
    /// read as one overlapping word, and a final 128-bit multiply fold.
    /// </summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        int n = data.Length;
        ulong a = s_seed ^ Prime0;
        ulong b = ((ulong)n * Prime1) ^ BitOperations.RotateLeft(s_seed, 23);
        ref byte start = ref MemoryMarshal.GetReference(data);
        int i = 0;
        for (; n - i >= 16; i += 16)
        {
            a = BitOperations.RotateLeft((a ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))) * Prime1, 31);
            b = BitOperations.RotateLeft((b ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8))) * Prime2, 29);
        }
        int rest = n - i;
        if (rest > 8)
        {
            a = (a ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))) * Prime1;
            b = (b ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, n - 8))) * Prime2;
        }
        else if (rest > 0)
        {
            ulong tail;
            if (n >= 8)
            {
                tail = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, n - 8));
            }
            else
            {
                tail = 0;
                for (int j = n - 1; j >= 0; j--)
                {
                    tail = (tail << 8) | data[j];
                }
            }
            b = (b ^ tail) * Prime2;
        }
        ulong h = Mix(a ^ BitOperations.RotateLeft(b, 17), Prime0);
        return (int)(h ^ (h >> 32));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return high ^ low;
    }
}
