using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The anomaly scorer's state on disk (<c>analysis/detectors.state</c> in the data directory): a header naming the
/// detector and its parameters, then per series its labels, position (last sample time, last value, anomaly episode)
/// and the detector's own saved state. Written to a temporary file, fsynced and renamed over the old one, so a crash
/// leaves either the old or the new file.
/// </summary>
internal static class ScorerStateFile
{
    /// <summary>The directory inside the data directory.</summary>
    public const string DirectoryName = "analysis";

    /// <summary>The file name.</summary>
    public const string FileName = "detectors.state";

    private static ReadOnlySpan<byte> Magic => "VIGILAN1"u8;

    /// <summary>One series' saved state.</summary>
    public sealed record Entry(LabelSet Labels, long LastT, double PreviousValue, long LastHitT, long EpisodeStartT, double PeakScore, byte[]? Detector);

    /// <summary>Writes <paramref name="entries"/> atomically to <paramref name="path"/>.</summary>
    public static void Write(string path, string detector, IReadOnlyDictionary<string, double> parameters, IReadOnlyList<Entry> entries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                WriteHeader(w, detector, parameters);
                w.Write(entries.Count);
                foreach (var e in entries)
                {
                    w.Write(e.Labels.Count);
                    foreach (var l in e.Labels.AsSpan())
                    {
                        w.Write(l.Name);
                        w.Write(l.Value);
                    }
                    w.Write(e.LastT);
                    w.Write(e.PreviousValue);
                    w.Write(e.LastHitT);
                    w.Write(e.EpisodeStartT);
                    w.Write(e.PeakScore);
                    w.Write(e.Detector?.Length ?? -1);
                    if (e.Detector is not null)
                    {
                        w.Write(e.Detector);
                    }
                }
            }
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Reads the file; returns null with <paramref name="mismatch"/> set when it was written for another detector or other
    /// parameters (its state would not fit). Throws <see cref="FormatException"/> for a damaged file.
    /// </summary>
    public static IReadOnlyList<Entry>? Read(string path, string detector, IReadOnlyDictionary<string, double> parameters, out string? mismatch)
    {
        mismatch = null;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            Span<byte> magic = stackalloc byte[8];
            r.BaseStream.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic))
            {
                throw new FormatException("not a Vigil detector state file (bad magic)");
            }
            string savedDetector = r.ReadString();
            int n = r.ReadInt32();
            var saved = new SortedDictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < n; i++)
            {
                saved[r.ReadString()] = r.ReadDouble();
            }
            if (savedDetector != detector || !saved.SequenceEqual(new SortedDictionary<string, double>(parameters.ToDictionary(), StringComparer.Ordinal)))
            {
                mismatch = $"it was written for detector {savedDetector} ({Describe(saved)}), the configuration asks for {detector} ({Describe(parameters)})";
                return null;
            }
            int count = r.ReadInt32();
            if (count < 0)
            {
                throw new FormatException($"negative series count {count}");
            }
            var entries = new List<Entry>(Math.Min(count, 1 << 20));
            for (int i = 0; i < count; i++)
            {
                int labelCount = r.ReadInt32();
                if (labelCount is < 0 or > 10_000)
                {
                    throw new FormatException($"series {i}: bad label count {labelCount} at offset {stream.Position - 4}");
                }
                var labels = new Label[labelCount];
                for (int j = 0; j < labelCount; j++)
                {
                    labels[j] = new Label(r.ReadString(), r.ReadString());
                }
                long lastT = r.ReadInt64();
                double previous = r.ReadDouble();
                long lastHit = r.ReadInt64();
                long episode = r.ReadInt64();
                double peak = r.ReadDouble();
                int length = r.ReadInt32();
                byte[]? state = null;
                if (length >= 0)
                {
                    if (length > stream.Length - stream.Position)
                    {
                        throw new FormatException($"series {i}: detector state of {length} bytes at offset {stream.Position - 4} exceeds the file");
                    }
                    state = r.ReadBytes(length);
                }
                entries.Add(new Entry(LabelSet.From(labels), lastT, previous, lastHit, episode, peak, state));
            }
            return entries;
        }
        catch (EndOfStreamException)
        {
            throw new FormatException($"truncated at offset {stream.Position} of {stream.Length}");
        }
    }

    private static void WriteHeader(BinaryWriter w, string detector, IReadOnlyDictionary<string, double> parameters)
    {
        w.Write(detector);
        w.Write(parameters.Count);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.Write(name);
            w.Write(value);
        }
    }

    private static string Describe(IEnumerable<KeyValuePair<string, double>> parameters)
    {
        var list = parameters.Select(p => p.Key + "=" + p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return list.Count == 0 ? "default parameters" : string.Join(", ", list);
    }
}
