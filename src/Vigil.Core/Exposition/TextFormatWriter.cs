using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Core.Exposition;

/// <summary>Writes metric families in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.</summary>
/// <remarks>
/// <para>Not thread-safe. Each line is formatted straight into a span of the output (a <see cref="PipeWriter"/> such
/// as ASP.NET Core's <c>Response.BodyWriter</c> pools those buffers); the caller flushes the output. Output is
/// byte-compatible with Prometheus's Go libraries: values use the shortest form that round-trips (Go's <c>%g</c>
/// layout), <c>+Inf</c>, <c>-Inf</c> and <c>NaN</c>; label values escape <c>\</c>, <c>"</c> and line breaks; HELP
/// escapes <c>\</c> and line breaks (and <c>"</c> in OpenMetrics); names outside the legacy character set are written
/// quoted, <c>{"my.metric","label.x"="v"}</c>.</para>
/// <para>In OpenMetrics, integral values get <c>.0</c>, timestamps are written in seconds, a counter family declared as
/// <c>x_total</c> is announced as <c>x</c>, UNIT lines are written, and <see cref="Finish"/> appends <c># EOF</c>.
/// The text format has no units and writes types it lacks as <c>untyped</c>.</para>
/// </remarks>
public sealed class TextFormatWriter
{
    private const int LineOverhead = 16 + (2 * ExpositionNumbers.MaxNumberLength);

    private readonly IBufferWriter<byte> _output;
    private readonly bool _openMetrics;
    private bool _finished;

    /// <summary>Creates a writer appending to <paramref name="output"/>.</summary>
    public TextFormatWriter(IBufferWriter<byte> output, ExpositionFormatKind format = ExpositionFormatKind.PrometheusText)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        Format = format;
        _openMetrics = format == ExpositionFormatKind.OpenMetrics;
    }

    /// <summary>The format written.</summary>
    public ExpositionFormatKind Format { get; }

    /// <summary>The <c>Content-Type</c> header value for the output.</summary>
    public string ContentType => ExpositionFormat.ContentType(Format);

    /// <summary>Writes a whole payload of <paramref name="families"/> to <paramref name="output"/>, including <c># EOF</c> for OpenMetrics.</summary>
    public static void Write(IBufferWriter<byte> output, IEnumerable<MetricFamily> families, ExpositionFormatKind format)
    {
        var writer = new TextFormatWriter(output, format);
        foreach (var family in families)
        {
            writer.WriteFamily(family);
        }
        writer.Finish();
    }

    /// <summary>Writes a whole payload of <paramref name="families"/> to a stream through pooled buffers; the stream stays open.</summary>
    public static async Task WriteAsync(Stream stream, IEnumerable<MetricFamily> families, ExpositionFormatKind format, CancellationToken cancellationToken = default)
    {
        var pipe = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        try
        {
            var writer = new TextFormatWriter(pipe, format);
            foreach (var family in families)
            {
                writer.WriteFamily(family);
                if (pipe.CanGetUnflushedBytes && pipe.UnflushedBytes >= 64 * 1024)
                {
                    await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            writer.Finish();
            await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Writes a family: its metadata, then every sample.</summary>
    public void WriteFamily(MetricFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        WriteMetadata(family.Name, family.Type, family.Help, family.Unit);
        foreach (var sample in family.Samples)
        {
            WriteSample(sample.Labels, sample.Value, sample.TimestampMs);
        }
    }

    /// <summary>
    /// Writes the HELP (when <paramref name="help"/> is not null), TYPE and, in OpenMetrics, UNIT lines of a family.
    /// </summary>
    public void WriteMetadata(string family, MetricType type, string? help = null, string? unit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(family);
        EnsureOpen();
        string name = family;
        if (_openMetrics && type == MetricType.Counter && name.EndsWith("_total", StringComparison.Ordinal) && name.Length > 6)
        {
            name = name[..^6];
        }
        if (help is not null)
        {
            WriteMetadataLine("# HELP "u8, name, help, escape: true);
        }
        WriteMetadataLine("# TYPE "u8, name, TypeWord(type), escape: false);
        if (_openMetrics && !string.IsNullOrEmpty(unit))
        {
            WriteMetadataLine("# UNIT "u8, name, unit, escape: false);
        }
    }

    /// <summary>Writes one sample of series <paramref name="series"/> (its <c>__name__</c> is the metric name).</summary>
    public void WriteSample(LabelSet series, double value, long? timestampMs = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        string name = series.Name;
        if (name.Length == 0)
        {
            throw new ArgumentException($"series {series} has no metric name (__name__ label)", nameof(series));
        }
        WriteSample(name, series.AsSpan(), value, timestampMs);
    }

    /// <summary>
    /// Writes one sample line. <paramref name="labels"/> are written in the given order; a <c>__name__</c> label and
    /// labels with empty values are skipped. <paramref name="timestampMs"/> is milliseconds since the epoch.
    /// </summary>
    public void WriteSample(string metricName, ReadOnlySpan<Label> labels, double value, long? timestampMs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(metricName);
        EnsureOpen();
        int size = (metricName.Length * 3) + LineOverhead;
        foreach (ref readonly var label in labels)
        {
            size += ((label.Name.Length + label.Value.Length) * 3) + 6;
        }
        Span<byte> span = _output.GetSpan(size);
        int w = 0;
        bool open = false;
        bool comma = false;
        if (LabelValidation.IsValidLegacyMetricName(metricName))
        {
            w += Encoding.UTF8.GetBytes(metricName, span);
        }
        else
        {
            span[w++] = (byte)'{';
            w += WriteQuoted(metricName, span[w..]);
            open = true;
            comma = true;
        }
        foreach (ref readonly var label in labels)
        {
            if (label.Value.Length == 0 || label.Name == LabelSet.MetricName)
            {
                continue;
            }
            if (!open)
            {
                span[w++] = (byte)'{';
                open = true;
            }
            else if (comma)
            {
                span[w++] = (byte)',';
            }
            comma = true;
            if (LabelValidation.IsValidLegacyLabelName(label.Name))
            {
                w += Encoding.UTF8.GetBytes(label.Name, span[w..]);
            }
            else
            {
                w += WriteQuoted(label.Name, span[w..]);
            }
            span[w++] = (byte)'=';
            w += WriteQuoted(label.Value, span[w..]);
        }
        if (open)
        {
            span[w++] = (byte)'}';
        }
        span[w++] = (byte)' ';
        w += ExpositionNumbers.FormatDouble(value, span[w..], _openMetrics);
        if (timestampMs is long ts)
        {
            span[w++] = (byte)' ';
            if (_openMetrics)
            {
                w += ExpositionNumbers.FormatSecondsFromMillis(ts, span[w..]);
            }
            else
            {
                Utf8Formatter.TryFormat(ts, span[w..], out int n);
                w += n;
            }
        }
        span[w++] = (byte)'\n';
        _output.Advance(w);
    }

    /// <summary>Writes a <c># text</c> comment line (text format only; OpenMetrics has no comments).</summary>
    public void WriteComment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        EnsureOpen();
        if (_openMetrics)
        {
            throw new InvalidOperationException("OpenMetrics does not allow comments other than HELP, TYPE, UNIT and EOF.");
        }
        if (text.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("a comment must be a single line", nameof(text));
        }
        Span<byte> span = _output.GetSpan((text.Length * 3) + 3);
        span[0] = (byte)'#';
        span[1] = (byte)' ';
        int w = 2 + Encoding.UTF8.GetBytes(text, span[2..]);
        span[w++] = (byte)'\n';
        _output.Advance(w);
    }

    /// <summary>Ends the payload: writes <c># EOF</c> in OpenMetrics. Later writes throw; calling it again does nothing.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }
        if (_openMetrics)
        {
            Span<byte> span = _output.GetSpan(6);
            "# EOF\n"u8.CopyTo(span);
            _output.Advance(6);
        }
        _finished = true;
    }

    private void WriteMetadataLine(ReadOnlySpan<byte> prefix, string name, string text, bool escape)
    {
        Span<byte> span = _output.GetSpan(prefix.Length + ((name.Length + text.Length) * 3) + 4);
        prefix.CopyTo(span);
        int w = prefix.Length;
        if (LabelValidation.IsValidLegacyMetricName(name))
        {
            w += Encoding.UTF8.GetBytes(name, span[w..]);
        }
        else
        {
            w += WriteQuoted(name, span[w..]);
        }
        span[w++] = (byte)' ';
        w += escape ? WriteEscaped(text, span[w..], escapeQuotes: _openMetrics) : Encoding.UTF8.GetBytes(text, span[w..]);
        span[w++] = (byte)'\n';
        _output.Advance(w);
    }

    private string TypeWord(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        MetricType.Summary => "summary",
        MetricType.GaugeHistogram when _openMetrics => "gaugehistogram",
        MetricType.Info when _openMetrics => "info",
        MetricType.StateSet when _openMetrics => "stateset",
        _ => _openMetrics ? "unknown" : "untyped",
    };

    private static int WriteQuoted(string s, Span<byte> destination)
    {
        destination[0] = (byte)'"';
        int w = 1 + WriteEscaped(s, destination[1..], escapeQuotes: true);
        destination[w++] = (byte)'"';
        return w;
    }

    /// <summary>UTF-8 encodes <paramref name="s"/>, escaping backslash, line break and (optionally) double quote.</summary>
    private static int WriteEscaped(ReadOnlySpan<char> s, Span<byte> destination, bool escapeQuotes)
    {
        int w = 0;
        while (true)
        {
            int i = escapeQuotes ? s.IndexOfAny('\\', '"', '\n') : s.IndexOfAny('\\', '\n');
            var run = i < 0 ? s : s[..i];
            if (!run.IsEmpty)
            {
                w += Encoding.UTF8.GetBytes(run, destination[w..]);
            }
            if (i < 0)
            {
                return w;
            }
            char c = s[i];
            destination[w++] = (byte)'\\';
            destination[w++] = c == '\n' ? (byte)'n' : (byte)c;
            s = s[(i + 1)..];
        }
    }

    private void EnsureOpen()
    {
        if (_finished)
        {
            throw new InvalidOperationException("the payload is finished; nothing can be written after Finish.");
        }
    }
}
