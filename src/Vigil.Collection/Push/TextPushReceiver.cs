using System.Buffers;
using Vigil.Collection.Scrape;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Collection.Push;

/// <summary>
/// Stores one pushed text-format or OpenMetrics payload (VictoriaMetrics's <c>/api/v1/import/prometheus</c>)
/// all-or-nothing, and records the <c># TYPE</c>, <c># HELP</c> and <c># UNIT</c> lines in <see cref="PushedMetadata"/>.
/// </summary>
/// <remarks>
/// <para>A line of a series seen before costs one lookup of its raw bytes in a <see cref="PushSeriesCache"/> (the label
/// set and the storage's reference come from there), as a scrape finds its series in the target's
/// <see cref="SeriesByteMap{TValue}"/>: no label set is built, validated or hashed for it. A new series builds its
/// labels once, is validated, and is remembered after it was accepted.</para>
/// <para>Thread-safe: payloads may be stored concurrently; nothing is locked while a payload is parsed except the
/// cache shard of one lookup.</para>
/// </remarks>
internal sealed class TextPushReceiver(IAppendable storage, PushedMetadata metadata, PushSeriesCache cache)
{
    // Note: a parser per thread, reused from request to request, keeps its buffers and interned label names (bounded
    // by the parser) instead of allocating them for every request.
    [ThreadStatic]
    private static ExpositionParser? t_parser;

    /// <summary>
    /// Parses and stores <paramref name="body"/>; returns the number of samples stored, or the first problem (with its
    /// line and column) and nothing stored. Throws <see cref="StorageException"/> when the commit fails.
    /// </summary>
    /// <param name="body">The whole payload, uncompressed.</param>
    /// <param name="format">Text format 0.0.4 or OpenMetrics.</param>
    /// <param name="extraLabels">Labels set on every series (replacing a label of the same name); names already validated.</param>
    /// <param name="nowMs">The timestamp of lines without one, milliseconds since the epoch.</param>
    public (int Stored, string? Error) Write(ReadOnlyMemory<byte> body, ExpositionFormatKind format, IReadOnlyList<Label> extraLabels, long nowMs)
    {
        var parser = t_parser ?? new ExpositionParser(ReadOnlyMemory<byte>.Empty, format);
        t_parser = null;
        parser.Reset(body, format);
        var app = storage.Appender();
        Dictionary<string, MetricMetadata>? declared = null;
        int stored = 0;
        string? error = null;
        byte[] key = ArrayPool<byte>.Shared.Rent(256);
        int prefixLength = WriteKeyPrefix(ref key, extraLabels);
        try
        {
            ExpositionEntry entry;
            while ((entry = parser.Next()) != ExpositionEntry.EndOfInput)
            {
                if (entry != ExpositionEntry.Series)
                {
                    Declare(parser, entry, ref declared);
                    continue;
                }
                // Note: the key holds the family's type, since histogram and summary lines normalise le and quantile.
                var series = parser.SeriesBytes;
                int keyLength = prefixLength + 1 + series.Length;
                if (key.Length < keyLength)
                {
                    Grow(ref key, keyLength, prefixLength);
                }
                key[prefixLength] = (byte)parser.MetricType;
                series.CopyTo(key.AsSpan(prefixLength + 1));
                var keySpan = key.AsSpan(0, keyLength);
                var known = cache.Get(keySpan);
                LabelSet labels;
                SeriesRef r;
                if (known is not null)
                {
                    labels = known.Labels;
                    r = known.Ref;
                }
                else
                {
                    labels = BuildLabels(parser, extraLabels);
                    if (LabelValidation.Validate(labels) is { } invalid)
                    {
                        error = parser.CreateError(invalid).Message;
                        break;
                    }
                    r = SeriesRef.None;
                }
                long t = parser.TimestampMs ?? nowMs;
                if (!app.TryAppend(ref r, labels, t, parser.Value, out var refused))
                {
                    error = parser.CreateError(StorageException.ForAppend(refused, labels, t).Message).Message;
                    break;
                }
                (known ?? cache.Add(keySpan, labels)).Ref = r;
                stored++;
            }
        }
        catch (ExpositionParseException e)
        {
            error = e.Message;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(key);
            // Note: emptied before it is kept, so that the pooled parser does not hold the request's body alive.
            parser.Reset(ReadOnlyMemory<byte>.Empty, format);
            t_parser = parser;
        }
        if (error is not null)
        {
            app.Rollback();
            return (0, error);
        }
        app.Commit();
        if (declared is not null)
        {
            foreach (var md in declared.Values)
            {
                metadata.Set(md);
            }
        }
        return (stored, null);
    }

    private static LabelSet BuildLabels(ExpositionParser parser, IReadOnlyList<Label> extraLabels)
    {
        var labels = parser.BuildLabelSet();
        if (extraLabels.Count == 0)
        {
            return labels;
        }
        var b = new LabelSetBuilder();
        b.Reset(labels);
        foreach (var l in extraLabels)
        {
            b.Set(l.Name, l.Value);
        }
        return b.Build();
    }

    private static void Declare(ExpositionParser parser, ExpositionEntry entry, ref Dictionary<string, MetricMetadata>? declared)
    {
        if (entry is not (ExpositionEntry.Type or ExpositionEntry.Help or ExpositionEntry.Unit))
        {
            return;
        }
        declared ??= new Dictionary<string, MetricMetadata>(StringComparer.Ordinal);
        string name = parser.GetMetricName();
        var md = declared.GetValueOrDefault(name) ?? new MetricMetadata(name, MetricType.Unknown, string.Empty, string.Empty);
        declared[name] = entry switch
        {
            ExpositionEntry.Type => md with { Type = parser.MetricType },
            ExpositionEntry.Help => md with { Help = parser.GetText() },
            _ => md with { Unit = parser.GetText() },
        };
    }

    /// <summary>Writes the extra labels, length-prefixed, into the start of <paramref name="key"/>; returns their length.</summary>
    /// <remarks>Note: every key of a request starts with them, so the same line pushed with other extra labels is another series.</remarks>
    private static int WriteKeyPrefix(ref byte[] key, IReadOnlyList<Label> extraLabels)
    {
        int n = 0;
        foreach (var l in extraLabels)
        {
            foreach (string s in (ReadOnlySpan<string>)[l.Name, l.Value])
            {
                int need = n + 5 + System.Text.Encoding.UTF8.GetMaxByteCount(s.Length);
                if (key.Length < need)
                {
                    Grow(ref key, need, n);
                }
                int len = System.Text.Encoding.UTF8.GetBytes(s, key.AsSpan(n + 4));
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(key.AsSpan(n), len);
                n += 4 + len;
            }
        }
        return n;
    }

    private static void Grow(ref byte[] key, int need, int keep)
    {
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, key.Length * 2));
        key.AsSpan(0, keep).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(key);
        key = bigger;
    }
}
