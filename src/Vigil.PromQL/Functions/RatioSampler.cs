using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Vigil.Core.Labels;

namespace Vigil.PromQL.Functions;

/// <summary>
/// limit_ratio's deterministic sampler: a series is kept when xxhash64 of its labels (Prometheus's
/// <c>labels.Hash</c>), scaled to [0, 1], is below the ratio (or, for a negative ratio, at or above 1 + ratio).
/// </summary>
internal static class RatioSampler
{
    public static bool AddRatioSample(double ratio, LabelSet metric)
    {
        double offset = PrometheusHash(metric) / (double)ulong.MaxValue;
        return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1.0 + ratio);
    }

    /// <summary>xxhash64 (seed 0) over <c>name 0xff value 0xff …</c> in label order, as Prometheus hashes label sets.</summary>
    public static ulong PrometheusHash(LabelSet labels)
    {
        var bytes = new List<byte>(labels.Count * 24);
        foreach (var l in labels.AsSpan())
        {
            AppendGoBytes(bytes, l.Name);
            bytes.Add(0xff);
            AppendGoBytes(bytes, l.Value);
            bytes.Add(0xff);
        }
        return XxHash64([.. bytes]);
    }

    private static void AppendGoBytes(List<byte> bytes, string s)
    {
        Span<byte> buf = stackalloc byte[4];
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            Rune r;
            if (c >= 0xDC80 && c <= 0xDCFF)
            {
                bytes.Add((byte)(c - 0xDC00));
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                r = new Rune(c, s[++i]);
            }
            else
            {
                r = char.IsSurrogate(c) ? Rune.ReplacementChar : new Rune(c);
            }
            int n = r.EncodeToUtf8(buf);
            for (int k = 0; k < n; k++)
            {
                bytes.Add(buf[k]);
            }
        }
    }

    private const ulong P1 = 11400714785074694791UL;
    private const ulong P2 = 14029467366897019727UL;
    private const ulong P3 = 1609587929392839161UL;
    private const ulong P4 = 9650029242287828579UL;
    private const ulong P5 = 2870177450012600261UL;

    /// <summary>XXH64 with seed 0.</summary>
    public static ulong XxHash64(ReadOnlySpan<byte> data)
    {
        int len = data.Length;
        int i = 0;
        ulong h;
        if (len >= 32)
        {
            ulong v1 = unchecked(P1 + P2);
            ulong v2 = P2;
            ulong v3 = 0;
            ulong v4 = unchecked(0 - P1);
            while (i + 32 <= len)
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 8)..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 16)..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 24)..]));
                i += 32;
            }
            h = unchecked(BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18));
            h = MergeRound(h, v1);
            h = MergeRound(h, v2);
            h = MergeRound(h, v3);
            h = MergeRound(h, v4);
        }
        else
        {
            h = P5;
        }
        h = unchecked(h + (ulong)len);
        while (i + 8 <= len)
        {
            ulong k1 = Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
            h ^= k1;
            h = unchecked((BitOperations.RotateLeft(h, 27) * P1) + P4);
            i += 8;
        }
        if (i + 4 <= len)
        {
            h ^= unchecked(BinaryPrimitives.ReadUInt32LittleEndian(data[i..]) * P1);
            h = unchecked((BitOperations.RotateLeft(h, 23) * P2) + P3);
            i += 4;
        }
        while (i < len)
        {
            h ^= unchecked(data[i] * P5);
            h = unchecked(BitOperations.RotateLeft(h, 11) * P1);
            i++;
        }
        h ^= h >> 33;
        h = unchecked(h * P2);
        h ^= h >> 29;
        h = unchecked(h * P3);
        h ^= h >> 32;
        return h;
    }

    private static ulong Round(ulong acc, ulong input)
    {
        acc = unchecked(acc + (input * P2));
        acc = BitOperations.RotateLeft(acc, 31);
        return unchecked(acc * P1);
    }

    private static ulong MergeRound(ulong acc, ulong val)
    {
        val = Round(0, val);
        acc ^= val;
        return unchecked((acc * P1) + P4);
    }
}
