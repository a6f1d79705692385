// Note: over 600 lines on purpose: one byte-level state machine for both exposition formats, whose paths share positions and error texts (metric families are in ExpositionParser.Families.cs).
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using Vigil.Core.Labels;

namespace Vigil.Core.Exposition;

/// <summary>
/// A pull parser for a whole Prometheus text format 0.0.4 or OpenMetrics 1.0 payload held in memory as UTF-8.
/// </summary>
/// <remarks>
/// <para>Call <see cref="Next"/> until it returns <see cref="ExpositionEntry.EndOfInput"/>. After
/// <see cref="ExpositionEntry.Series"/>, read <see cref="SeriesBytes"/>, <see cref="Value"/>, <see cref="TimestampMs"/>
/// and <see cref="MetricType"/>; call <see cref="BuildLabelSet"/> only for series the caller does not know yet (map
/// <see cref="SeriesBytes"/> to labels and series references with a <see cref="SeriesByteMap{TValue}"/>). Parsing a
/// sample allocates nothing; <see cref="BuildLabelSet"/> allocates the new set and its strings.</para>
/// <para>Spans returned by properties stay valid until the next call to <see cref="Next"/> or <see cref="Reset"/>.
/// The payload must not change while it is parsed. Malformed input throws <see cref="ExpositionParseException"/> naming
/// the line and column; the parser must then be reset before reuse. Not thread-safe; reuse one instance per scrape
/// loop with <see cref="Reset"/> to keep its buffers and interned label names.</para>
/// <para>Follows Prometheus's <c>textparse</c>: the text format tolerates blanks around tokens, blank lines and free
/// comments; OpenMetrics requires single spaces, no blank lines, no other comments and a final <c># EOF</c> with
/// nothing after it. Sample values accept <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c> and exponents, not hex. Text-format
/// timestamps are integer milliseconds, OpenMetrics timestamps float seconds. Exemplars are checked and ignored.</para>
/// </remarks>
public sealed partial class ExpositionParser
{
    private const int MaxInternedNames = 8192;
    private const string MissingEof = "expected \"# EOF\" at the end of the input";

    private static readonly SearchValues<byte> s_metricNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789"u8);

    private static readonly SearchValues<byte> s_labelNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"u8);

    private readonly Dictionary<byte[], string> _interned = new(ByteSequenceComparer.Instance);
    private readonly Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _internLookup;

    private ReadOnlyMemory<byte> _body;
    private bool _openMetrics;
    private int _pos;
    private bool _sawEof;
    private ExpositionEntry _entry;
    private int _entryStart;

    // Current metric name (series) or family name (metadata); unescaped into _nameScratch when it had escapes.
    private int _nameStart;
    private int _nameEnd;
    private bool _nameInScratch;
    private byte[] _nameScratch = new byte[128];
    private int _nameScratchLength;

    // Current series.
    private int _seriesStart;
    private int _seriesEnd;
    private LabelPosition[] _labels = new LabelPosition[16];
    private int _labelCount;
    private double _value;
    private long _timestamp;
    private bool _hasTimestamp;
    private MetricType _type;
    private bool _isCreated;

    // Current metadata or comment text.
    private int _textStart;
    private int _textEnd;
    private bool _textEscaped;
    private byte[] _textScratch = new byte[256];

    // Family of the last TYPE line, for the type of the following samples.
    private byte[] _familyName = new byte[128];
    private int _familyNameLength;
    private MetricType _familyType;
    private bool _hasFamily;

    private byte[] _labelScratch = new byte[256];

    // Chunked input: lines and bytes of the chunks before the current one, for positions in errors.
    private bool _finalChunk = true;
    private int _lineBase;
    private long _offsetBase;

    /// <summary>Creates a parser over <paramref name="body"/>, a whole payload in <paramref name="format"/>.</summary>
    public ExpositionParser(ReadOnlyMemory<byte> body, ExpositionFormatKind format)
    {
        _internLookup = _interned.GetAlternateLookup<ReadOnlySpan<byte>>();
        Reset(body, format);
    }

    /// <summary>Starts over on a new payload, keeping buffers and interned label names.</summary>
    public void Reset(ReadOnlyMemory<byte> body, ExpositionFormatKind format)
    {
        _body = body;
        _openMetrics = format == ExpositionFormatKind.OpenMetrics;
        Format = format;
        _pos = 0;
        _sawEof = false;
        _finalChunk = true;
        _lineBase = 0;
        _offsetBase = 0;
        _entry = ExpositionEntry.EndOfInput;
        _entryStart = 0;
        _hasFamily = false;
        _familyNameLength = 0;
        _labelCount = 0;
    }

    /// <summary>
    /// Starts a payload that arrives in chunks (a file too large to hold as one buffer): parse each chunk with
    /// <see cref="Next"/> until <see cref="ExpositionEntry.EndOfInput"/>, then pass the next one to
    /// <see cref="Continue"/>. Every chunk but the last must end at a line break. The TYPE context carries over
    /// between chunks, and error positions count from the start of the payload.
    /// </summary>
    public void ResetChunked(ReadOnlyMemory<byte> firstChunk, ExpositionFormatKind format, bool isFinalChunk)
    {
        CheckChunk(firstChunk, isFinalChunk, nameof(firstChunk));
        Reset(firstChunk, format);
        _finalChunk = isFinalChunk;
    }

    /// <summary>Continues a chunked payload (see <see cref="ResetChunked"/>) with its next chunk.</summary>
    public void Continue(ReadOnlyMemory<byte> nextChunk, bool isFinalChunk)
    {
        if (_finalChunk)
        {
            throw new InvalidOperationException("the final chunk of this payload was already given");
        }
        if (_pos < _body.Length)
        {
            throw new InvalidOperationException("the current chunk is not fully parsed; call Next until it returns EndOfInput");
        }
        CheckChunk(nextChunk, isFinalChunk, nameof(nextChunk));
        _lineBase += _body.Span.Count((byte)'\n');
        _offsetBase += _body.Length;
        _body = nextChunk;
        _pos = 0;
        _finalChunk = isFinalChunk;
        _entry = ExpositionEntry.EndOfInput;
        _labelCount = 0;
    }

    private static void CheckChunk(ReadOnlyMemory<byte> chunk, bool isFinalChunk, string parameterName)
    {
        if (!isFinalChunk && !chunk.IsEmpty && chunk.Span[^1] != '\n')
        {
            throw new ArgumentException("a chunk other than the last must end at a line break", parameterName);
        }
    }

    /// <summary>The format being parsed.</summary>
    public ExpositionFormatKind Format { get; private set; }

    /// <summary>
    /// When true, <see cref="Next"/> skips <c>_created</c> samples of counters, histograms and summaries (their
    /// values are creation times, not observations). False by default, as in Prometheus without created-timestamp
    /// ingestion.
    /// </summary>
    public bool SkipCreatedSeries { get; set; }

    /// <summary>The entry <see cref="Next"/> returned last.</summary>
    public ExpositionEntry Entry => _entry;

    /// <summary>The byte offset in the payload (across chunks) where the current entry starts.</summary>
    public long EntryOffset => _offsetBase + _entryStart;

    /// <summary>
    /// The raw bytes of the current sample's series as written in the payload: metric name and label block, escapes
    /// and all. Equal bytes always mean the same series, so they key a scrape cache.
    /// </summary>
    public ReadOnlySpan<byte> SeriesBytes => _body.Span[_seriesStart.._seriesEnd];

    /// <summary>The metric name of the current sample, or the family name of a HELP, TYPE or UNIT entry, unescaped.</summary>
    public ReadOnlySpan<byte> MetricName
        => _nameInScratch ? _nameScratch.AsSpan(0, _nameScratchLength) : _body.Span[_nameStart.._nameEnd];

    /// <summary>The value of the current sample (a NaN always has Prometheus's canonical bit pattern).</summary>
    public double Value => _value;

    /// <summary>The timestamp of the current sample in milliseconds since the epoch, or null when it has none.</summary>
    public long? TimestampMs => _hasTimestamp ? _timestamp : null;

    /// <summary>
    /// For a sample, the type of its family: the type of the preceding TYPE line when the sample's name belongs to that
    /// family (by the suffix rules of the type), else <see cref="Exposition.MetricType.Unknown"/>. For a TYPE entry,
    /// the declared type.
    /// </summary>
    public MetricType MetricType => _type;

    /// <summary>True when the current sample is the <c>_created</c> series of a counter, histogram or summary.</summary>
    public bool IsCreatedSeries => _isCreated;

    /// <summary>The text of a HELP (unescaped), TYPE, UNIT or comment entry.</summary>
    public ReadOnlySpan<byte> Text
    {
        get
        {
            var raw = _body.Span[_textStart.._textEnd];
            if (!_textEscaped)
            {
                return raw;
            }
            EnsureCapacity(ref _textScratch, raw.Length);
            int n = Unescape(raw, _textScratch, unescapeQuotes: _openMetrics);
            return _textScratch.AsSpan(0, n);
        }
    }

    /// <summary>The metric or family name of the current entry as a string (interned).</summary>
    public string GetMetricName() => Intern(MetricName);

    /// <summary>The text of the current HELP, TYPE, UNIT or comment entry as a string.</summary>
    public string GetText() => Encoding.UTF8.GetString(Text);

    /// <summary>
    /// Advances to the next entry and returns its kind; <see cref="ExpositionEntry.EndOfInput"/> at the end. Throws
    /// <see cref="ExpositionParseException"/> on malformed input.
    /// </summary>
    public ExpositionEntry Next()
    {
        ReadOnlySpan<byte> buf = _body.Span;
        while (true)
        {
            int pos = _pos;
            if (pos >= buf.Length)
            {
                if (_openMetrics && !_sawEof && _finalChunk)
                {
                    Fail(buf, buf.Length, MissingEof);
                }
                _entryStart = buf.Length;
                return _entry = ExpositionEntry.EndOfInput;
            }
            if (_sawEof)
            {
                // Only reachable when a later chunk follows the chunk that held "# EOF".
                Fail(buf, pos, "unexpected content after \"# EOF\"");
            }
            byte c = buf[pos];
            if (!_openMetrics && (c == ' ' || c == '\t' || c == '\n'))
            {
                pos = SkipBlanks(buf, pos);
                if (pos >= buf.Length || buf[pos] == '\n')
                {
                    _pos = Math.Min(pos + 1, buf.Length);
                    continue;
                }
                c = buf[pos];
            }
            _entryStart = pos;
            if (c == '#')
            {
                return _entry = ParseHashLine(buf, pos);
            }
            _entry = ParseSample(buf, pos);
            if (_isCreated && SkipCreatedSeries)
            {
                continue;
            }
            return _entry;
        }
    }

    /// <summary>
    /// Builds the label set of the current sample: <c>__name__</c> plus its labels, unescaped, sorted, with empty values
    /// dropped and, as Prometheus 3 does, <c>le</c> of histograms and <c>quantile</c> of summaries normalised to the
    /// OpenMetrics float form (<c>le="1"</c> becomes <c>le="1.0"</c>). Label names are interned. Throws
    /// <see cref="ExpositionParseException"/> for a duplicate label name.
    /// </summary>
    public LabelSet BuildLabelSet()
    {
        if (_entry != ExpositionEntry.Series)
        {
            throw new InvalidOperationException("BuildLabelSet is only valid after Next returned ExpositionEntry.Series.");
        }
        ReadOnlySpan<byte> buf = _body.Span;
        var labels = new Label[_labelCount + 1];
        labels[0] = new Label(LabelSet.MetricName, Intern(MetricName));
        bool normalizeLe = _type == MetricType.Histogram;
        bool normalizeQuantile = _type == MetricType.Summary;
        for (int i = 0; i < _labelCount; i++)
        {
            ref readonly var l = ref _labels[i];
            string name = Intern(LabelNameBytes(buf, in l));
            var valueBytes = buf[l.ValueStart..l.ValueEnd];
            if (l.ValueEscaped)
            {
                EnsureCapacity(ref _labelScratch, valueBytes.Length);
                valueBytes = _labelScratch.AsSpan(0, Unescape(valueBytes, _labelScratch, unescapeQuotes: true));
            }
            string value;
            if (((normalizeLe && name == "le") || (normalizeQuantile && name == "quantile"))
                && ExpositionNumbers.TryParseDouble(valueBytes, out double bound))
            {
                value = ExpositionNumbers.FormatDouble(bound, openMetrics: true);
            }
            else
            {
                value = Encoding.UTF8.GetString(valueBytes);
            }
            labels[i + 1] = new Label(name, value);
        }
        SortByName(labels);
        int kept = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (i > 0 && string.Equals(labels[i].Name, labels[i - 1].Name, StringComparison.Ordinal))
            {
                FailDuplicateLabel(buf, labels[i].Name);
            }
            if (labels[i].Value.Length != 0)
            {
                labels[kept++] = labels[i];
            }
        }
        if (kept != labels.Length)
        {
            Array.Resize(ref labels, kept);
        }
        return LabelSet.FromSortedUnsafe(labels);
    }

    /// <summary>
    /// Creates an exception positioned at the start of the current entry, for problems found by the caller (a sample
    /// limit, a refused append during an import).
    /// </summary>
    public ExpositionParseException CreateError(string reason) => CreateException(_body.Span, _entryStart, reason);

    private ExpositionEntry ParseSample(ReadOnlySpan<byte> buf, int pos)
    {
        int start = pos;
        _labelCount = 0;
        _nameStart = -1;
        _nameEnd = -1;
        _nameInScratch = false;
        byte c = buf[pos];
        int seriesEnd;
        if (IsMetricNameStart(c))
        {
            int end = ScanName(buf, pos, s_metricNameChars);
            _nameStart = pos;
            _nameEnd = end;
            seriesEnd = end;
            pos = end;
            if (pos < buf.Length && buf[pos] == '{')
            {
                pos = ParseLabels(buf, pos + 1, exemplar: false);
                seriesEnd = pos;
            }
            else if (!_openMetrics)
            {
                int afterBlanks = SkipBlanks(buf, pos);
                if (afterBlanks == pos && pos < buf.Length && buf[pos] != '\n')
                {
                    FailAfterMetricName(buf, pos);
                }
                if (afterBlanks < buf.Length && buf[afterBlanks] == '{')
                {
                    pos = ParseLabels(buf, afterBlanks + 1, exemplar: false);
                    seriesEnd = pos;
                }
            }
        }
        else if (c == '{')
        {
            pos = ParseLabels(buf, pos + 1, exemplar: false);
            seriesEnd = pos;
            if (_nameStart < 0)
            {
                Fail(buf, start, "missing metric name (expected a name before '{' or a quoted name inside the braces)");
            }
        }
        else
        {
            Fail(buf, pos, c == '\n' ? "unexpected empty line (OpenMetrics allows none)" : "expected a metric name, '{' or '#'");
            return ExpositionEntry.EndOfInput;
        }

        if (_openMetrics)
        {
            if (pos >= buf.Length || buf[pos] != ' ')
            {
                Fail(buf, pos, "expected a single space and the sample value");
            }
            pos++;
        }
        else
        {
            pos = SkipBlanks(buf, pos);
        }
        int valueEnd = TokenEnd(buf, pos);
        if (valueEnd == pos)
        {
            Fail(buf, pos, "expected a sample value");
        }
        if (!ExpositionNumbers.TryParseDouble(buf[pos..valueEnd], out _value))
        {
            FailInvalid(buf, pos, valueEnd, "sample value", string.Empty);
        }
        _hasTimestamp = false;
        _pos = _openMetrics ? ParseOpenMetricsLineEnd(buf, valueEnd) : ParseTextLineEnd(buf, valueEnd);
        _seriesStart = start;
        _seriesEnd = seriesEnd;
        if (_hasFamily)
        {
            bool member = MetricFamilyNames.IsMember(_familyName.AsSpan(0, _familyNameLength), _familyType, MetricName, out _isCreated);
            _type = member ? _familyType : MetricType.Unknown;
        }
        else
        {
            _type = MetricType.Unknown;
            _isCreated = false;
        }
        return ExpositionEntry.Series;
    }

    private int ParseTextLineEnd(ReadOnlySpan<byte> buf, int pos)
    {
        int p = SkipBlanks(buf, pos);
        if (p >= buf.Length)
        {
            return p;
        }
        if (buf[p] == '\n')
        {
            return p + 1;
        }
        int end = TokenEnd(buf, p);
        if (!ExpositionNumbers.TryParseMillis(buf[p..end], out _timestamp))
        {
            FailInvalid(buf, p, end, "timestamp", " (expected integer milliseconds)");
        }
        _hasTimestamp = true;
        p = SkipBlanks(buf, end);
        if (p >= buf.Length)
        {
            return p;
        }
        if (buf[p] != '\n')
        {
            Fail(buf, p, "expected the end of the line after the timestamp");
        }
        return p + 1;
    }

    private int ParseOpenMetricsLineEnd(ReadOnlySpan<byte> buf, int pos)
    {
        if (pos >= buf.Length)
        {
            Fail(buf, pos, MissingEof);
        }
        if (buf[pos] == '\n')
        {
            return pos + 1;
        }
        pos++; // the single space that ended the value
        if (pos < buf.Length && buf[pos] == '#')
        {
            return ParseExemplar(buf, pos);
        }
        int end = TokenEnd(buf, pos);
        if (end == pos)
        {
            Fail(buf, pos, "expected a timestamp or an exemplar after the sample value");
        }
        if (!ExpositionNumbers.TryParseSecondsAsMillis(buf[pos..end], out _timestamp))
        {
            FailInvalid(buf, pos, end, "timestamp", " (expected seconds)");
        }
        _hasTimestamp = true;
        pos = end;
        if (pos >= buf.Length)
        {
            Fail(buf, pos, MissingEof);
        }
        if (buf[pos] == '\n')
        {
            return pos + 1;
        }
        pos++;
        if (pos < buf.Length && buf[pos] == '#')
        {
            return ParseExemplar(buf, pos);
        }
        Fail(buf, pos, "expected an exemplar (\"# {\") or the end of the line after the timestamp");
        return pos;
    }

    private int ParseExemplar(ReadOnlySpan<byte> buf, int pos)
    {
        if (pos + 2 >= buf.Length || buf[pos + 1] != ' ' || buf[pos + 2] != '{')
        {
            Fail(buf, pos, "expected \"# {\" to start an exemplar");
        }
        pos = ParseLabels(buf, pos + 3, exemplar: true);
        if (pos >= buf.Length || buf[pos] != ' ')
        {
            Fail(buf, pos, "expected a single space and the exemplar value");
        }
        pos++;
        int end = TokenEnd(buf, pos);
        if (end == pos)
        {
            Fail(buf, pos, "expected the exemplar value");
        }
        if (!ExpositionNumbers.TryParseDouble(buf[pos..end], out _))
        {
            FailInvalid(buf, pos, end, "exemplar value", string.Empty);
        }
        pos = end;
        if (pos < buf.Length && buf[pos] == ' ')
        {
            pos++;
            end = TokenEnd(buf, pos);
            if (end == pos || !ExpositionNumbers.TryParseSecondsAsMillis(buf[pos..end], out _))
            {
                FailInvalid(buf, pos, end, "exemplar timestamp", " (expected seconds)");
            }
            pos = end;
        }
        if (pos >= buf.Length)
        {
            Fail(buf, pos, MissingEof);
        }
        if (buf[pos] != '\n')
        {
            Fail(buf, pos, "expected the end of the line after the exemplar");
        }
        return pos + 1;
    }

    /// <summary>Parses labels after '{' up to and including '}'; returns the position after '}'.</summary>
    private int ParseLabels(ReadOnlySpan<byte> buf, int pos, bool exemplar)
    {
        bool blanks = !_openMetrics;
        while (true)
        {
            if (blanks)
            {
                pos = SkipBlanks(buf, pos);
            }
            if (pos >= buf.Length)
            {
                Fail(buf, pos, "expected a label name or '}'");
            }
            byte c = buf[pos];
            if (c == '}')
            {
                return pos + 1;
            }
            int nameStart;
            int nameEnd;
            bool nameEscaped = false;
            if (c == '"')
            {
                int close = ScanQuoted(buf, pos, out nameEscaped, out int failAt);
                if (close < 0)
                {
                    Fail(buf, failAt, "unterminated quoted name (expected '\"')");
                }
                nameStart = pos + 1;
                nameEnd = close;
                pos = close + 1;
                int next = blanks ? SkipBlanks(buf, pos) : pos;
                if (next < buf.Length && (buf[next] == ',' || buf[next] == '}'))
                {
                    // A quoted string alone is the metric name: {"my.metric", "label.x"="v"}.
                    if (exemplar)
                    {
                        Fail(buf, next, "expected '=' after exemplar label name (an exemplar has no metric name)");
                    }
                    if (_nameStart >= 0)
                    {
                        Fail(buf, nameStart - 1, "the metric name is given twice");
                    }
                    CheckQuotedName(buf, nameStart, nameEnd, "metric name");
                    SetName(buf, nameStart, nameEnd, nameEscaped);
                    pos = buf[next] == ',' ? next + 1 : next;
                    continue;
                }
                CheckQuotedName(buf, nameStart, nameEnd, "label name");
            }
            else if (IsLabelNameStart(c))
            {
                nameStart = pos;
                nameEnd = ScanName(buf, pos, s_labelNameChars);
                pos = nameEnd;
            }
            else
            {
                Fail(buf, pos, "expected a label name or '}'");
                return pos;
            }
            if (blanks)
            {
                pos = SkipBlanks(buf, pos);
            }
            if (pos >= buf.Length || buf[pos] != '=')
            {
                FailLabel(buf, pos, "expected '=' after label name", nameStart, nameEnd, nameEscaped);
            }
            pos++;
            if (blanks)
            {
                pos = SkipBlanks(buf, pos);
            }
            if (pos >= buf.Length || buf[pos] != '"')
            {
                FailLabel(buf, pos, "expected '\"' to start the value of label", nameStart, nameEnd, nameEscaped);
            }
            int valueClose = ScanQuoted(buf, pos, out bool valueEscaped, out int valueFailAt);
            if (valueClose < 0)
            {
                FailLabel(buf, valueFailAt, "unterminated value of label", nameStart, nameEnd, nameEscaped, " (expected '\"')");
            }
            int valueStart = pos + 1;
            if (!Utf8.IsValid(buf[valueStart..valueClose]))
            {
                FailLabel(buf, valueStart, "invalid UTF-8 in the value of label", nameStart, nameEnd, nameEscaped);
            }
            if (!exemplar)
            {
                if (_labelCount == _labels.Length)
                {
                    Array.Resize(ref _labels, _labels.Length * 2);
                }
                _labels[_labelCount++] = new LabelPosition(nameStart, nameEnd, nameEscaped, valueStart, valueClose, valueEscaped);
            }
            pos = valueClose + 1;
            if (blanks)
            {
                pos = SkipBlanks(buf, pos);
            }
            if (pos < buf.Length && buf[pos] == ',')
            {
                pos++;
                continue;
            }
            if (pos >= buf.Length || buf[pos] != '}')
            {
                FailLabel(buf, pos, "expected ',' or '}' after the value of label", nameStart, nameEnd, nameEscaped);
            }
        }
    }

    private ExpositionEntry ParseHashLine(ReadOnlySpan<byte> buf, int pos)
    {
        int p = pos + 1;
        if (_openMetrics)
        {
            var rest = buf[Math.Min(p + 1, buf.Length)..];
            if (p < buf.Length && buf[p] == ' ')
            {
                if (rest.StartsWith("HELP "u8))
                {
                    return ParseMetadata(buf, p + 6, ExpositionEntry.Help);
                }
                if (rest.StartsWith("TYPE "u8))
                {
                    return ParseMetadata(buf, p + 6, ExpositionEntry.Type);
                }
                if (rest.StartsWith("UNIT "u8))
                {
                    return ParseMetadata(buf, p + 6, ExpositionEntry.Unit);
                }
                if (rest.StartsWith("EOF"u8))
                {
                    int q = p + 4;
                    if (q < buf.Length && buf[q] == '\n')
                    {
                        q++;
                    }
                    if (q < buf.Length)
                    {
                        Fail(buf, q, "unexpected content after \"# EOF\"");
                    }
                    _sawEof = true;
                    _pos = q;
                    return ExpositionEntry.EndOfInput;
                }
            }
            Fail(buf, pos, "expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\" (OpenMetrics allows no other comments)");
        }
        int keyword = SkipBlanks(buf, p);
        if (keyword > p && keyword + 4 < buf.Length && IsBlank(buf[keyword + 4]))
        {
            var word = buf.Slice(keyword, 4);
            if (word.SequenceEqual("HELP"u8))
            {
                return ParseMetadata(buf, SkipBlanks(buf, keyword + 4), ExpositionEntry.Help);
            }
            if (word.SequenceEqual("TYPE"u8))
            {
                return ParseMetadata(buf, SkipBlanks(buf, keyword + 4), ExpositionEntry.Type);
            }
        }
        int newline = buf[p..].IndexOf((byte)'\n');
        _textStart = keyword;
        _textEnd = newline < 0 ? buf.Length : p + newline;
        _textEscaped = false;
        _pos = newline < 0 ? buf.Length : _textEnd + 1;
        return ExpositionEntry.Comment;
    }

    private ExpositionEntry ParseMetadata(ReadOnlySpan<byte> buf, int pos, ExpositionEntry kind)
    {
        string keyword = kind switch
        {
            ExpositionEntry.Help => "HELP",
            ExpositionEntry.Type => "TYPE",
            _ => "UNIT",
        };
        _nameInScratch = false;
        if (pos < buf.Length && buf[pos] == '"')
        {
            int close = ScanQuoted(buf, pos, out bool escaped, out int failAt);
            if (close < 0)
            {
                Fail(buf, failAt, "unterminated quoted metric name (expected '\"')");
            }
            CheckQuotedName(buf, pos + 1, close, "metric name");
            SetName(buf, pos + 1, close, escaped);
            pos = close + 1;
        }
        else if (pos < buf.Length && IsMetricNameStart(buf[pos]))
        {
            int end = ScanName(buf, pos, s_metricNameChars);
            SetName(buf, pos, end, escaped: false);
            pos = end;
        }
        else
        {
            Fail(buf, pos, $"expected a metric name after {keyword}");
        }

        int textStart;
        int textEnd;
        if (_openMetrics)
        {
            if (pos >= buf.Length || buf[pos] != ' ')
            {
                Fail(buf, pos, $"expected a single space after the metric name in {keyword}");
            }
            textStart = pos + 1;
            int newline = buf[textStart..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                Fail(buf, buf.Length, MissingEof);
            }
            textEnd = textStart + newline;
            _pos = textEnd + 1;
        }
        else if (pos >= buf.Length || buf[pos] == '\n')
        {
            textStart = textEnd = pos;
            _pos = Math.Min(pos + 1, buf.Length);
        }
        else if (IsBlank(buf[pos]))
        {
            textStart = pos + 1;
            int newline = buf[textStart..].IndexOf((byte)'\n');
            textEnd = newline < 0 ? buf.Length : textStart + newline;
            _pos = newline < 0 ? buf.Length : textEnd + 1;
        }
        else
        {
            Fail(buf, pos, $"expected whitespace after the metric name in {keyword}");
            return kind;
        }
        var text = buf[textStart..textEnd];
        _textStart = textStart;
        _textEnd = textEnd;
        _textEscaped = false;
        switch (kind)
        {
            case ExpositionEntry.Help:
                if (!Utf8.IsValid(text))
                {
                    Fail(buf, textStart, "HELP text is not valid UTF-8");
                }
                _textEscaped = text.Contains((byte)'\\');
                break;
            case ExpositionEntry.Type:
                if (!_openMetrics)
                {
                    // Note: more lenient than Prometheus, which refuses blanks around the type word.
                    textStart += text.Length - text.TrimStart(" \t"u8).Length;
                    text = text.Trim(" \t"u8);
                    _textStart = textStart;
                    _textEnd = textStart + text.Length;
                }
                if (!TryParseType(text, _openMetrics, out var type))
                {
                    Fail(buf, textStart, $"invalid metric type \"{Printable(text)}\" (expected {(_openMetrics ? "counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown" : "counter, gauge, histogram, summary or untyped")})");
                }
                _type = type;
                var family = MetricName;
                EnsureCapacity(ref _familyName, family.Length);
                family.CopyTo(_familyName);
                _familyNameLength = family.Length;
                _familyType = type;
                _hasFamily = true;
                break;
            default:
                if (!Utf8.IsValid(text))
                {
                    Fail(buf, textStart, "UNIT is not valid UTF-8");
                }
                var metric = MetricName;
                if (!text.IsEmpty && !(metric.Length > text.Length && metric.EndsWith(text) && metric[metric.Length - text.Length - 1] == '_'))
                {
                    Fail(buf, textStart, $"unit \"{Printable(text)}\" is not a suffix of metric name \"{Printable(metric)}\" (expected the name to end in \"_{Printable(text)}\")");
                }
                break;
        }
        return kind;
    }

    private static bool TryParseType(ReadOnlySpan<byte> word, bool openMetrics, out MetricType type)
    {
        type = MetricType.Unknown;
        if (word.SequenceEqual("counter"u8))
        {
            type = MetricType.Counter;
        }
        else if (word.SequenceEqual("gauge"u8))
        {
            type = MetricType.Gauge;
        }
        else if (word.SequenceEqual("histogram"u8))
        {
            type = MetricType.Histogram;
        }
        else if (word.SequenceEqual("summary"u8))
        {
            type = MetricType.Summary;
        }
        else if (!openMetrics)
        {
            return word.SequenceEqual("untyped"u8);
        }
        else if (word.SequenceEqual("gaugehistogram"u8))
        {
            type = MetricType.GaugeHistogram;
        }
        else if (word.SequenceEqual("info"u8))
        {
            type = MetricType.Info;
        }
        else if (word.SequenceEqual("stateset"u8))
        {
            type = MetricType.StateSet;
        }
        else
        {
            return word.SequenceEqual("unknown"u8);
        }
        return true;
    }

    private void SetName(ReadOnlySpan<byte> buf, int start, int end, bool escaped)
    {
        _nameStart = start;
        _nameEnd = end;
        _nameInScratch = escaped;
        if (escaped)
        {
            EnsureCapacity(ref _nameScratch, end - start);
            _nameScratchLength = Unescape(buf[start..end], _nameScratch, unescapeQuotes: true);
        }
    }

    private ReadOnlySpan<byte> LabelNameBytes(ReadOnlySpan<byte> buf, in LabelPosition label)
    {
        var raw = buf[label.NameStart..label.NameEnd];
        if (!label.NameEscaped)
        {
            return raw;
        }
        EnsureCapacity(ref _labelScratch, raw.Length);
        return _labelScratch.AsSpan(0, Unescape(raw, _labelScratch, unescapeQuotes: true));
    }

    private string Intern(ReadOnlySpan<byte> bytes)
    {
        if (_internLookup.TryGetValue(bytes, out var s))
        {
            return s;
        }
        s = Encoding.UTF8.GetString(bytes);
        if (_interned.Count < MaxInternedNames)
        {
            _interned.Add(bytes.ToArray(), s);
        }
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int TokenEnd(ReadOnlySpan<byte> buf, int pos)
    {
        int i = _openMetrics
            ? buf[pos..].IndexOfAny((byte)' ', (byte)'\n')
            : buf[pos..].IndexOfAny((byte)' ', (byte)'\t', (byte)'\n');
        return i < 0 ? buf.Length : pos + i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScanName(ReadOnlySpan<byte> buf, int pos, SearchValues<byte> chars)
    {
        int i = buf[pos..].IndexOfAnyExcept(chars);
        return i < 0 ? buf.Length : pos + i;
    }

    /// <summary>
    /// Finds the closing quote of the string opening at <paramref name="start"/>; -1 when the line or input ends first,
    /// with <paramref name="failAt"/> at that point. Backslash escapes any character but a line break.
    /// </summary>
    private static int ScanQuoted(ReadOnlySpan<byte> buf, int start, out bool escaped, out int failAt)
    {
        escaped = false;
        int p = start + 1;
        while (true)
        {
            int i = buf[p..].IndexOfAny((byte)'"', (byte)'\\', (byte)'\n');
            if (i < 0)
            {
                failAt = buf.Length;
                return -1;
            }
            p += i;
            byte c = buf[p];
            if (c == '"')
            {
                failAt = 0;
                return p;
            }
            if (c == '\n')
            {
                failAt = p;
                return -1;
            }
            escaped = true;
            if (p + 1 >= buf.Length || buf[p + 1] == '\n')
            {
                failAt = p + 1;
                return -1;
            }
            p += 2;
        }
    }

    /// <summary>Resolves <c>\\</c>, <c>\n</c> and (when asked) <c>\"</c>; other backslash sequences stay as written.</summary>
    private static int Unescape(ReadOnlySpan<byte> source, Span<byte> destination, bool unescapeQuotes)
    {
        int w = 0;
        for (int i = 0; i < source.Length; i++)
        {
            byte c = source[i];
            if (c == '\\' && i + 1 < source.Length)
            {
                byte n = source[i + 1];
                if (n == '\\' || (n == '"' && unescapeQuotes))
                {
                    destination[w++] = n;
                    i++;
                    continue;
                }
                if (n == 'n')
                {
                    destination[w++] = (byte)'\n';
                    i++;
                    continue;
                }
            }
            destination[w++] = c;
        }
        return w;
    }

    private static void EnsureCapacity(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }
    }

    private static void SortByName(Label[] labels)
    {
        if (labels.Length > 16)
        {
            Array.Sort(labels, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return;
        }
        for (int i = 1; i < labels.Length; i++)
        {
            var item = labels[i];
            int j = i - 1;
            while (j >= 0 && string.CompareOrdinal(labels[j].Name, item.Name) > 0)
            {
                labels[j + 1] = labels[j];
                j--;
            }
            labels[j + 1] = item;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipBlanks(ReadOnlySpan<byte> buf, int pos)
    {
        while (pos < buf.Length && IsBlank(buf[pos]))
        {
            pos++;
        }
        return pos;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsBlank(byte c) => c == ' ' || c == '\t';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsMetricNameStart(byte c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a' || c == '_' || c == ':';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsLabelNameStart(byte c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a' || c == '_';

    private readonly record struct LabelPosition(int NameStart, int NameEnd, bool NameEscaped, int ValueStart, int ValueEnd, bool ValueEscaped);

    private void CheckQuotedName(ReadOnlySpan<byte> buf, int start, int end, string what)
    {
        if (start == end)
        {
            Fail(buf, start - 1, $"{what} must not be empty");
        }
        if (!Utf8.IsValid(buf[start..end]))
        {
            Fail(buf, start, $"{what} is not valid UTF-8");
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fail(ReadOnlySpan<byte> buf, int offset, string reason) => throw CreateException(buf, offset, reason);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FailInvalid(ReadOnlySpan<byte> buf, int start, int end, string what, string hint)
        => throw CreateException(buf, start, $"invalid {what} \"{Printable(buf[start..end])}\"{hint}");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FailAfterMetricName(ReadOnlySpan<byte> buf, int pos)
    {
        int nameStart = pos;
        while (nameStart > 0 && s_metricNameChars.Contains(buf[nameStart - 1]))
        {
            nameStart--;
        }
        throw CreateException(buf, pos, $"expected '{{' or whitespace after metric name \"{Printable(buf[nameStart..pos])}\"");
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FailLabel(ReadOnlySpan<byte> buf, int offset, string reason, int nameStart, int nameEnd, bool nameEscaped, string suffix = "")
    {
        var name = buf[nameStart..nameEnd];
        if (nameEscaped)
        {
            var unescaped = new byte[name.Length];
            name = unescaped.AsSpan(0, Unescape(name, unescaped, unescapeQuotes: true));
        }
        throw CreateException(buf, offset, $"{reason} \"{Printable(name)}\"{suffix}");
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FailDuplicateLabel(ReadOnlySpan<byte> buf, string name)
    {
        // Point at the second occurrence (or at the label that repeats the metric name).
        bool seen = name == LabelSet.MetricName;
        int offset = _entryStart;
        for (int i = 0; i < _labelCount; i++)
        {
            if (Encoding.UTF8.GetString(LabelNameBytes(buf, in _labels[i])) != name)
            {
                continue;
            }
            if (seen)
            {
                offset = buf[_labels[i].NameStart - 1] == '"' ? _labels[i].NameStart - 1 : _labels[i].NameStart;
                break;
            }
            seen = true;
        }
        throw CreateException(buf, offset, $"duplicate label name \"{Printable(Encoding.UTF8.GetBytes(name))}\"");
    }

    /// <summary>Builds the exception for a problem at byte <paramref name="offset"/>, computing line and column.</summary>
    private ExpositionParseException CreateException(ReadOnlySpan<byte> buf, int offset, string reason)
    {
        offset = Math.Clamp(offset, 0, buf.Length);
        var before = buf[..offset];
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        int line = before[..lineStart].Count((byte)'\n') + 1;
        int column = 1;
        foreach (byte b in buf[lineStart..offset])
        {
            if ((b & 0xC0) != 0x80)
            {
                column++;
            }
        }
        return new ExpositionParseException(reason, _lineBase + line, column, _offsetBase + offset);
    }

    /// <summary>Decodes bytes for an error message: control characters escaped, long text shortened.</summary>
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        const int MaxLength = 80;
        string s = Encoding.UTF8.GetString(bytes);
        var sb = new StringBuilder(Math.Min(s.Length, MaxLength + 3));
        foreach (char c in s)
        {
            if (sb.Length >= MaxLength)
            {
                sb.Append("...");
                break;
            }
            switch (c)
            {
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '"':
                    sb.Append("\\\"");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.ToString();
    }
}
