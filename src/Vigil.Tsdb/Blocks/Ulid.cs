using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Vigil.Tsdb.Blocks;

/// <summary>
/// A ULID: 48 bits of milliseconds since the epoch and 80 random bits, written as 26 Crockford base32 characters,
/// so names sort by creation time. Block directories are named by their ULID.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. <see cref="NewUlid()"/> is monotonic between consecutive calls: two ULIDs made in the same
/// millisecond differ by incrementing the random part, so the later one still sorts after the earlier.
/// </remarks>
public readonly struct Ulid : IEquatable<Ulid>, IComparable<Ulid>
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private readonly ulong _hi; // 48-bit time, then the top 16 random bits
    private readonly ulong _lo; // low 64 random bits

    private Ulid(ulong hi, ulong lo)
    {
        _hi = hi;
        _lo = lo;
    }

    /// <summary>The all-zero ULID.</summary>
    public static Ulid Empty => default;

    /// <summary>Milliseconds since the epoch encoded in the ULID.</summary>
    public long TimestampMs => (long)(_hi >> 16);

    /// <summary>A new ULID for the current time.</summary>
    public static Ulid NewUlid() => NewUlid(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>A new ULID for <paramref name="timestampMs"/>, monotonic with respect to the previous call in this process.</summary>
    public static Ulid NewUlid(long timestampMs) => Shared.Next(timestampMs);

    private static readonly Sequence Shared = new();

    /// <summary>
    /// A monotonic source of ULIDs: a ULID made in the same millisecond as the previous one of this sequence continues
    /// from it plus one, so it sorts after it. Thread-safe.
    /// </summary>
    /// <remarks>
    /// Monotonicity holds between consecutive calls: a call for another millisecond starts afresh (as the ULID spec's
    /// monotonic entropy does), so callers that interleave timestamps need a sequence of their own.
    /// </remarks>
    public sealed class Sequence
    {
        private readonly Lock _gate = new();
        private Ulid _last;

        /// <summary>The next ULID for <paramref name="timestampMs"/>.</summary>
        public Ulid Next(long timestampMs)
        {
            if (timestampMs < 0 || timestampMs >= 1L << 48)
            {
                throw new ArgumentOutOfRangeException(nameof(timestampMs), timestampMs, "ULID time must fit 48 bits");
            }
            Span<byte> random = stackalloc byte[10];
            RandomNumberGenerator.Fill(random);
            ulong hi = ((ulong)timestampMs << 16) | ((ulong)random[0] << 8) | random[1];
            ulong lo = BitConverter.ToUInt64(random[2..]);
            lock (_gate)
            {
                if (timestampMs == _last.TimestampMs && new Ulid(hi, lo).CompareTo(_last) <= 0)
                {
                    // Same millisecond: continue from the previous ULID plus one.
                    lo = _last._lo + 1;
                    hi = _last._hi + (lo == 0 ? 1UL : 0UL);
                }
                var u = new Ulid(hi, lo);
                _last = u;
                return u;
            }
        }
    }

    /// <summary>Parses 26 Crockford base32 characters (case-insensitive).</summary>
    public static Ulid Parse(string s)
        => TryParse(s, out var u) ? u : throw new FormatException($"\"{s}\" is not a ULID (26 Crockford base32 characters)");

    /// <summary>Parses 26 Crockford base32 characters (case-insensitive); false when malformed.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out Ulid ulid)
    {
        ulid = default;
        if (s is null || s.Length != 26 || s[0] > '7')
        {
            return false;
        }
        UInt128 v = 0;
        foreach (char c in s)
        {
            int d = Decode(c);
            if (d < 0)
            {
                return false;
            }
            v = (v << 5) | (uint)d;
        }
        ulid = new Ulid((ulong)(v >> 64), (ulong)v);
        return true;
    }

    private static int Decode(char c)
    {
        char u = char.ToUpperInvariant(c);
        int i = Alphabet.IndexOf(u, StringComparison.Ordinal);
        return i;
    }

    /// <summary>The 26-character canonical form.</summary>
    public override string ToString()
    {
        UInt128 v = ((UInt128)_hi << 64) | _lo;
        return string.Create(26, v, static (span, value) =>
        {
            for (int i = 25; i >= 0; i--)
            {
                span[i] = Alphabet[(int)(value & 31)];
                value >>= 5;
            }
        });
    }

    /// <inheritdoc />
    public bool Equals(Ulid other) => _hi == other._hi && _lo == other._lo;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Ulid u && Equals(u);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_hi, _lo);

    /// <inheritdoc />
    public int CompareTo(Ulid other) => _hi != other._hi ? _hi.CompareTo(other._hi) : _lo.CompareTo(other._lo);

    /// <summary>Equality.</summary>
    public static bool operator ==(Ulid a, Ulid b) => a.Equals(b);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Ulid a, Ulid b) => !a.Equals(b);

    /// <summary>Ordering by time, then randomness.</summary>
    public static bool operator <(Ulid a, Ulid b) => a.CompareTo(b) < 0;

    /// <summary>Ordering by time, then randomness.</summary>
    public static bool operator >(Ulid a, Ulid b) => a.CompareTo(b) > 0;

    /// <summary>Ordering by time, then randomness.</summary>
    public static bool operator <=(Ulid a, Ulid b) => a.CompareTo(b) <= 0;

    /// <summary>Ordering by time, then randomness.</summary>
    public static bool operator >=(Ulid a, Ulid b) => a.CompareTo(b) >= 0;
}
