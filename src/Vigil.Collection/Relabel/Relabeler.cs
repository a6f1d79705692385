using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Collection.Relabel;

/// <summary>Applies relabelling steps to a label set with Prometheus's semantics (<c>model/relabel</c>).</summary>
/// <remarks>Stateless and thread-safe; the builder passed in is the caller's and is mutated in place.</remarks>
public static class Relabeler
{
    /// <summary>
    /// Applies <paramref name="steps"/> in order to the labels in <paramref name="builder"/>. Returns false as soon as a
    /// step drops the set (the builder's content is then unspecified).
    /// </summary>
    public static bool Process(LabelSetBuilder builder, IReadOnlyList<RelabelConfig> steps)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(steps);
        for (int i = 0; i < steps.Count; i++)
        {
            if (!Apply(builder, steps[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Applies <paramref name="steps"/> to <paramref name="labels"/>; null when a step drops the set.</summary>
    public static LabelSet? Process(LabelSet labels, IReadOnlyList<RelabelConfig> steps)
    {
        var b = new LabelSetBuilder(labels);
        return Process(b, steps) ? b.Build() : null;
    }

    private static bool Apply(LabelSetBuilder b, RelabelConfig c)
    {
        string value = SourceValue(b, c);
        switch (c.Action)
        {
            case RelabelAction.Drop:
                return !c.Regex.IsMatch(value);
            case RelabelAction.Keep:
                return c.Regex.IsMatch(value);
            case RelabelAction.DropEqual:
                return b.Get(c.TargetLabel) != value;
            case RelabelAction.KeepEqual:
                return b.Get(c.TargetLabel) == value;
            case RelabelAction.Replace:
                Replace(b, c, value);
                return true;
            case RelabelAction.Lowercase:
                b.Set(c.TargetLabel, value.ToLowerInvariant());
                return true;
            case RelabelAction.Uppercase:
                b.Set(c.TargetLabel, value.ToUpperInvariant());
                return true;
            case RelabelAction.HashMod:
                b.Set(c.TargetLabel, HashMod(value, c.Modulus).ToString(CultureInfo.InvariantCulture));
                return true;
            case RelabelAction.LabelMap:
                foreach (var l in Snapshot(b))
                {
                    if (c.Regex.Match(l.Name) is { } m)
                    {
                        b.Set(c.Regex.Expand(c.Replacement, m), l.Value);
                    }
                }
                return true;
            case RelabelAction.LabelDrop:
                foreach (var l in Snapshot(b))
                {
                    if (c.Regex.IsMatch(l.Name))
                    {
                        b.Delete(l.Name);
                    }
                }
                return true;
            case RelabelAction.LabelKeep:
                foreach (var l in Snapshot(b))
                {
                    if (!c.Regex.IsMatch(l.Name))
                    {
                        b.Delete(l.Name);
                    }
                }
                return true;
            default:
                throw new InvalidOperationException($"unknown relabel action {c.Action}");
        }
    }

    private static void Replace(LabelSetBuilder b, RelabelConfig c, string value)
    {
        // Note: Prometheus's fast path: an empty source with the default regex sets (or, when empty, deletes) the label
        // to the literal replacement, without expanding anything.
        if (value.Length == 0 && c.RegexIsDefault && !c.TargetLabel.Contains('$', StringComparison.Ordinal)
            && !c.Replacement.Contains('$', StringComparison.Ordinal))
        {
            b.Set(c.TargetLabel, c.Replacement);
            return;
        }
        if (c.Regex.Match(value) is not { } m)
        {
            return;
        }
        string target = c.Regex.Expand(c.TargetLabel, m);
        if (!LabelValidation.IsValidName(target))
        {
            return;
        }
        string result = c.Regex.Expand(c.Replacement, m);
        if (result.Length == 0)
        {
            b.Delete(target);
            return;
        }
        b.Set(target, result);
    }

    private static string SourceValue(LabelSetBuilder b, RelabelConfig c)
    {
        var names = c.SourceLabels;
        return names.Count switch
        {
            0 => string.Empty,
            1 => b.Get(names[0]),
            _ => JoinValues(b, names, c.Separator),
        };
    }

    private static string JoinValues(LabelSetBuilder b, IReadOnlyList<string> names, string separator)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < names.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(separator);
            }
            sb.Append(b.Get(names[i]));
        }
        return sb.ToString();
    }

    /// <summary>Prometheus's hashmod: the last 8 bytes of the MD5 of the value, big-endian, modulo <paramref name="modulus"/>.</summary>
    public static ulong HashMod(string value, ulong modulus)
    {
        Span<byte> hash = stackalloc byte[16];
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = max > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[512];
            int n = Encoding.UTF8.GetBytes(value, bytes);
#pragma warning disable CA5351 // Prometheus's hashmod is defined on MD5; it is a distribution hash, not a security measure.
            MD5.HashData(bytes[..n], hash);
#pragma warning restore CA5351
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
        return BinaryPrimitives.ReadUInt64BigEndian(hash[8..]) % modulus;
    }

    private static Label[] Snapshot(LabelSetBuilder b)
    {
        var labels = b.Labels;
        var copy = new Label[labels.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = labels[i];
        }
        return copy;
    }
}
