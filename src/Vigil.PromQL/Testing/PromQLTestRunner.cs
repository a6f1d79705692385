// Note: over 600 lines on purpose: the promqltest runner's commands, expectations and Prometheus's hidden extra runs share one script state.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vigil.Core.Histograms;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Functions;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Testing;

/// <summary>
/// Runs promqltest scripts (Prometheus's test language, see shared/testdata/promql/FORMAT.md) against a storage,
/// including the hidden extra runs of Prometheus's runner: the step-invariance variants with <c>@</c> injected and
/// the range-mode cross-check of instant evals.
/// </summary>
/// <remarks>
/// Native histogram samples (<c>{{…}}</c> in load and expected lines) are kept beside the storage's float samples
/// (<see cref="HistogramOverlayStorage"/>) with the counter-reset hints Prometheus's TSDB would give them back with.
/// Every eval runs; one that does not meet its expectations fails.
/// </remarks>
public sealed partial class PromQLTestRunner
{
    private readonly Func<IStorage> _storageFactory;
    private readonly PromQLEngine _engine;

    /// <summary>Creates a runner that opens a fresh storage from <paramref name="storageFactory"/> at start and at each <c>clear</c>.</summary>
    public PromQLTestRunner(Func<IStorage> storageFactory, PromQLEngine? engine = null)
    {
        _storageFactory = storageFactory;
        _engine = engine ?? new PromQLEngine(TestEngineOptions);
    }

    /// <summary>The engine settings of Prometheus's test engine: 10,000 samples, 100 s timeout, 5 m lookback, 1 m subquery step.</summary>
    public static EngineOptions TestEngineOptions { get; } = new()
    {
        MaxSamples = 10_000,
        Timeout = TimeSpan.FromSeconds(100),
        LookbackDelta = TimeSpan.FromMinutes(5),
        DefaultSubqueryStep = static _ => 60_000,
        DelayedNameRemoval = true,
    };

    [GeneratedRegex(@"(start|end|range|step)\(\)")]
    private static partial Regex QueryContextFunctionRegex();

    /// <summary>
    /// Runs every <c>*.test</c> file of <paramref name="directory"/> and prints one line per file
    /// (<c>file: ran N, passed N, failed N</c>) plus each failure as <c>file:line: message</c>.
    /// Returns 0 when every file passed, 1 otherwise (the exit code of <c>vigil test promql DIR</c>).
    /// </summary>
    public int RunDirectory(string directory, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var files = Directory.GetFiles(directory, "*.test").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            output.WriteLine("no *.test files in " + directory);
            return 1;
        }
        int ran = 0, passed = 0, failed = 0, invalid = 0;
        foreach (string file in files)
        {
            var r = RunFile(file);
            output.WriteLine(r.ToString());
            foreach (var e in r.Evals)
            {
                if (e.Status == EvalStatus.Failed)
                {
                    output.WriteLine("  " + e.Message);
                }
            }
            ran += r.Ran;
            passed += r.Passed;
            failed += r.Failed;
            invalid += r.InvalidScript is null ? 0 : 1;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"total: {files.Count} files, ran {ran}, passed {passed}, failed {failed}, invalid scripts {invalid}"));
        return failed == 0 && invalid == 0 ? 0 : 1;
    }

    /// <summary>Runs one script file.</summary>
    public PromQLTestFileResult RunFile(string path) => RunText(Path.GetFileName(path), File.ReadAllText(path));

    /// <summary>Runs a script given as text; <paramref name="name"/> names it in messages.</summary>
    public PromQLTestFileResult RunText(string name, string text)
    {
        var result = new PromQLTestFileResult(name);
        List<ScriptCommand> commands;
        try
        {
            commands = TestScriptParser.Parse(text);
        }
        catch (FormatException e)
        {
            result.InvalidScript = name + ": " + e.Message;
            return result;
        }
        var state = new RunState(_storageFactory());
        try
        {
            foreach (var cmd in commands)
            {
                switch (cmd)
                {
                    case ClearCommand:
                        state.Reset(_storageFactory());
                        break;
                    case LoadCommand load:
                        string? loadError = Load(state, load);
                        if (loadError is not null)
                        {
                            result.InvalidScript = name + ":" + load.Line.ToString(CultureInfo.InvariantCulture) + ": " + loadError;
                            return result;
                        }
                        break;
                    case EvalCommand eval:
                        result.Add(RunEval(state, eval, name));
                        break;
                }
            }
        }
        finally
        {
            state.Dispose();
        }
        return result;
    }

    private sealed class RunState(IStorage storage) : IDisposable
    {
        public IStorage Storage { get; private set; } = storage;

        /// <summary>Start timestamps from <c>@st</c> load lines since the last clear: series, sample time, start time.</summary>
        public Dictionary<LabelSet, Dictionary<long, long>> StartTimes { get; } = new();

        /// <summary>Native histogram samples loaded since the last clear, by series and timestamp.</summary>
        public Dictionary<LabelSet, SortedDictionary<long, FloatHistogram>> Histograms { get; } = new();

        /// <summary>What queries read: the storage, with the start timestamps and histogram samples added when the script has any.</summary>
        public IStorage QueryStorage
        {
            get
            {
                var s = Histograms.Count == 0 ? Storage : new HistogramOverlayStorage(Storage, Histograms);
                return StartTimes.Count == 0 ? s : new StartTimestampStorage(s, StartTimes);
            }
        }

        public void Reset(IStorage storage)
        {
            (Storage as IDisposable)?.Dispose();
            Storage = storage;
            StartTimes.Clear();
            Histograms.Clear();
        }

        public void Dispose() => (Storage as IDisposable)?.Dispose();
    }

    private static string? Load(RunState state, LoadCommand load)
    {
        var app = state.Storage.Appender();
        try
        {
            foreach (var (line, series) in load.Series)
            {
                var seriesRef = SeriesRef.None;
                FloatHistogram? previous = null;
                for (int i = 0; i < series.Values.Count; i++)
                {
                    var v = series.Values[i];
                    if (v.Omitted)
                    {
                        continue;
                    }
                    long t = i * load.IntervalMs;
                    if (v.H is not null)
                    {
                        AddHistogram(state, series.Labels, t, AsStored(previous, v.H));
                        previous = v.H;
                        continue;
                    }
                    previous = null;
                    if (!app.TryAppend(ref seriesRef, series.Labels, t, v.Value, out var err))
                    {
                        app.Rollback();
                        return string.Create(CultureInfo.InvariantCulture, $"line {line}: appending sample at {t} to {series.Labels} failed: {err}");
                    }
                }
            }
            app.Commit();
        }
        catch (StorageException e)
        {
            return e.Message;
        }
        if (load.WithNhcb)
        {
            AddNhcbSeries(state, load);
        }
        foreach (var (labels, offsets) in load.StartTimes)
        {
            if (!state.StartTimes.TryGetValue(labels, out var byTime))
            {
                state.StartTimes[labels] = byTime = new Dictionary<long, long>();
            }
            for (int i = 0; i < offsets.Count; i++)
            {
                if (offsets[i] is long offset)
                {
                    long t = i * load.IntervalMs;
                    byTime[t] = t + offset;
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The sample as Prometheus's TSDB gives it back: its histogram chunks keep a gauge hint, start a new chunk with a
    /// counter-reset hint on a reset (stated or detected), with no hint after a layout change or a float sample, and
    /// mark every other sample "not a counter reset".
    /// </summary>
    private static FloatHistogram AsStored(FloatHistogram? previous, FloatHistogram h)
    {
        var hint = h.CounterResetHint;
        if (hint == CounterResetHint.Gauge)
        {
            return h;
        }
        if (previous is null || previous.CounterResetHint == CounterResetHint.Gauge)
        {
            hint = hint == CounterResetHint.CounterReset ? hint : CounterResetHint.Unknown;
        }
        else if (hint == CounterResetHint.Unknown)
        {
            hint = h.DetectReset(previous) ? CounterResetHint.CounterReset
                : h.Schema != previous.Schema || !FloatHistogram.BoundsEqual(h.CustomValues, previous.CustomValues) ? CounterResetHint.Unknown
                : CounterResetHint.NotCounterReset;
        }
        if (hint == h.CounterResetHint)
        {
            return h;
        }
        var stored = h.Copy();
        stored.CounterResetHint = hint;
        return stored;
    }

    private static void AddHistogram(RunState state, LabelSet labels, long t, FloatHistogram h)
    {
        if (!state.Histograms.TryGetValue(labels, out var byTime))
        {
            state.Histograms[labels] = byTime = new SortedDictionary<long, FloatHistogram>();
        }
        byTime[t] = h;
    }

    /// <summary>
    /// load_with_nhcb also writes classic histograms (the <c>_bucket</c>, <c>_count</c> and <c>_sum</c> series) as native
    /// histograms with custom buckets under the base name, one per timestamp where any part has a sample.
    /// </summary>
    private static void AddNhcbSeries(RunState state, LoadCommand load)
    {
        var parts = new Dictionary<LabelSet, SortedDictionary<long, NhcbParts>>();
        foreach (var (_, series) in load.Series)
        {
            string name = series.Labels.Name;
            string? baseName = null;
            string suffix = "";
            foreach (string sfx in (string[])["_bucket", "_count", "_sum"])
            {
                if (name.EndsWith(sfx, StringComparison.Ordinal))
                {
                    baseName = name[..^sfx.Length];
                    suffix = sfx;
                    break;
                }
            }
            if (baseName is null)
            {
                continue;
            }
            double le = 0;
            if (suffix == "_bucket" && (!GoText.TryParseNumber(series.Labels.Get("le"), out le) || double.IsNaN(le)))
            {
                continue;
            }
            var baseLabels = series.Labels.Without("le").With(LabelSet.MetricName, baseName);
            if (!parts.TryGetValue(baseLabels, out var byTime))
            {
                parts[baseLabels] = byTime = new SortedDictionary<long, NhcbParts>();
            }
            for (int i = 0; i < series.Values.Count; i++)
            {
                var v = series.Values[i];
                if (v.Omitted || v.H is not null)
                {
                    continue;
                }
                long t = i * load.IntervalMs;
                if (!byTime.TryGetValue(t, out var p))
                {
                    byTime[t] = p = new NhcbParts();
                }
                switch (suffix)
                {
                    case "_bucket":
                        p.Buckets[le] = v.Value;
                        break;
                    case "_count":
                        p.Count = v.Value;
                        break;
                    default:
                        p.Sum = v.Value;
                        break;
                }
            }
        }
        foreach (var (labels, byTime) in parts)
        {
            foreach (var (t, p) in byTime)
            {
                if (p.Buckets.Count != 0)
                {
                    AddHistogram(state, labels, t, p.ToHistogram());
                }
            }
        }
    }

    /// <summary>The classic parts of one histogram at one timestamp.</summary>
    private sealed class NhcbParts
    {
        public SortedDictionary<double, double> Buckets { get; } = new();

        public double? Count { get; set; }

        public double Sum { get; set; }

        public FloatHistogram ToHistogram()
        {
            var bounds = Buckets.Keys.Where(double.IsFinite).ToArray();
            var buckets = new List<(int, double)>(Buckets.Count + 1);
            double prev = 0;
            int i = 0;
            foreach (var (le, cum) in Buckets)
            {
                if (!double.IsFinite(le))
                {
                    continue;
                }
                buckets.Add((i++, cum - prev));
                prev = cum;
            }
            double total = Buckets.TryGetValue(double.PositiveInfinity, out double inf) ? inf : Count ?? prev;
            buckets.Add((i, total - prev));
            var h = new FloatHistogram
            {
                Schema = FloatHistogram.CustomBucketsSchema,
                CustomValues = bounds,
                Count = Count ?? total,
                Sum = Sum,
            };
            var spans = new HistogramSpan[] { new(0, (uint)buckets.Count) };
            h.PositiveSpans = spans;
            h.PositiveBuckets = buckets.Select(b => b.Item2).ToArray();
            return h;
        }
    }

    private EvalOutcome RunEval(RunState state, EvalCommand cmd, string file)
    {
        string where = file + ":" + cmd.Line.ToString(CultureInfo.InvariantCulture);
        if (cmd.ParseError is not null)
        {
            return new EvalOutcome(cmd.Line, cmd.Expr, EvalStatus.Failed, where + ": invalid expression: " + cmd.ParseError);
        }
        string? error;
        try
        {
            error = cmd.IsRange ? RunRange(state, cmd) : RunInstant(state, cmd);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = "unexpected " + e.GetType().Name + ": " + e.Message;
        }
        return error is null
            ? new EvalOutcome(cmd.Line, cmd.Expr, EvalStatus.Passed, null)
            : new EvalOutcome(cmd.Line, cmd.Expr, EvalStatus.Failed, where + ": " + error);
    }

    private string? RunRange(RunState state, EvalCommand cmd)
    {
        QueryResult res;
        try
        {
            res = _engine.RangeQuery(state.QueryStorage, cmd.Expr, cmd.Start, cmd.End, cmd.Step);
        }
        catch (PromQLException e)
        {
            return cmd.Fail ? CheckExpectedFailure(cmd, e.Message) : "error evaluating range query " + GoText.Quote(cmd.Expr) + ": " + e.Message;
        }
        if (cmd.Fail)
        {
            return "expected error evaluating query " + GoText.Quote(cmd.Expr) + " but got none";
        }
        return CheckAnnotations(cmd, res) ?? Compare(cmd, res.Value, cmd.Start, cmd.End, cmd.Step);
    }

    private string? RunInstant(RunState state, EvalCommand cmd)
    {
        string? err = RunInstantQuery(state, cmd, cmd.Expr, cmd.Start);
        if (err is not null)
        {
            return err;
        }
        foreach (var (expr, t) in AtModifierVariants(cmd.Expr, cmd.Start))
        {
            err = RunInstantQuery(state, cmd, expr, t);
            if (err is not null)
            {
                return err + " (step-invariance run of " + GoText.Quote(expr) + " at " + t.ToString(CultureInfo.InvariantCulture) + "ms)";
            }
        }
        return null;
    }

    /// <summary>
    /// Prometheus's atModifierTestCases: every selector and subquery without <c>@</c> (outside subqueries that have one)
    /// gets <c>@ t</c>, and the rewritten query is evaluated at -10t, 0, t/5, t and 10t (or -1s, 0, 1s for t = 0).
    /// </summary>
    internal static List<(string Expr, long T)> AtModifierVariants(string query, long t)
    {
        var expr = PromQLParser.ParseExpr(query);
        bool unsafeCall = false;
        Rewrite(expr, t, ref unsafeCall);
        if (unsafeCall)
        {
            return [];
        }
        string text = expr.ToString();
        long[] times = t == 0 ? [-1000, 0, 1000] : [-10 * t, 0, t / 5, t, 10 * t];
        return times.Select(et => (text, et)).ToList();
    }

    private static void Rewrite(Expr e, long t, ref bool unsafeCall)
    {
        switch (e)
        {
            case VectorSelector vs:
                if (vs.Timestamp is null)
                {
                    vs.Timestamp = t;
                    vs.StartOrEnd = AtPreprocessor.None;
                }
                return;
            case MatrixSelector ms:
                if (ms.Selector.Timestamp is null)
                {
                    ms.Selector.Timestamp = t;
                    ms.Selector.StartOrEnd = AtPreprocessor.None;
                }
                return;
            case SubqueryExpr sq:
                // Note: inside a subquery (which always ends up with an @) nothing is rewritten or inspected further.
                if (sq.Timestamp is null)
                {
                    sq.Timestamp = t;
                    sq.StartOrEnd = AtPreprocessor.None;
                }
                return;
            case Call c when FunctionCatalog.AtModifierUnsafe.Contains(c.Func.Name):
                unsafeCall = true;
                break;
            case Call { Func.Name: "info" } info:
                // Note: info's second argument selects data labels, not series; it takes no @.
                Rewrite(info.Args[0], t, ref unsafeCall);
                return;
        }
        foreach (var child in AstWalker.Children(e))
        {
            Rewrite(child, t, ref unsafeCall);
        }
    }

    private string? RunInstantQuery(RunState state, EvalCommand cmd, string expr, long t)
    {
        QueryResult res;
        try
        {
            res = _engine.InstantQuery(state.QueryStorage, expr, t);
        }
        catch (PromQLException e)
        {
            return cmd.Fail ? CheckExpectedFailure(cmd, e.Message) : "error evaluating query " + GoText.Quote(expr) + ": " + e.Message;
        }
        if (cmd.Fail)
        {
            return "expected error evaluating query " + GoText.Quote(expr) + " but got none";
        }
        string? err = CheckAnnotations(cmd, res);
        if (err is not null)
        {
            return err;
        }
        long start = cmd.RangeVector ? cmd.RangeFrom : t;
        long end = cmd.RangeVector ? cmd.RangeTo : t;
        long step = cmd.RangeVector ? cmd.RangeStep : 0;
        err = Compare(cmd, res.Value, start, end, step);
        if (err is not null)
        {
            return err;
        }
        if (cmd.RangeVector || cmd.ExpectedString is not null || QueryContextFunctionRegex().IsMatch(expr))
        {
            return null;
        }
        QueryResult rangeRes;
        try
        {
            rangeRes = _engine.RangeQuery(state.QueryStorage, expr, t - 60_000, t + 60_000, 60_000);
        }
        catch (PromQLException e)
        {
            return "error evaluating query " + GoText.Quote(expr) + " in range mode: " + e.Message;
        }
        if (cmd.Ordered)
        {
            return null;
        }
        var mat = (MatrixValue)rangeRes.Value;
        err = AssertSorted(mat);
        if (err is not null)
        {
            return err;
        }
        var vec = new List<LabeledSample>();
        foreach (var s in mat.Series)
        {
            foreach (var p in s.Points)
            {
                if (p.T == t)
                {
                    vec.Add(new LabeledSample(s.Metric, p.T, p.F, p.H));
                    break;
                }
            }
        }
        QueryValue asInstant = res.Value is ScalarValue
            ? new ScalarValue(t, vec.Count > 0 ? vec[0].V : double.NaN)
            : new VectorValue(vec);
        err = Compare(cmd, asInstant, t, t, 0);
        return err is null ? null : err + " (range mode)";
    }

    private static string? CheckExpectedFailure(EvalCommand cmd, string actual)
    {
        if (cmd.FailMessage is not null && actual != cmd.FailMessage)
        {
            return "expected error " + GoText.Quote(cmd.FailMessage) + " evaluating query " + GoText.Quote(cmd.Expr) + ", got " + GoText.Quote(actual);
        }
        if (cmd.FailPattern is not null && !cmd.FailPattern.IsMatch(actual))
        {
            return "expected error matching " + GoText.Quote(cmd.FailPattern.ToString()) + " evaluating query " + GoText.Quote(cmd.Expr) + ", got " + GoText.Quote(actual);
        }
        return null;
    }

    private static string? CheckAnnotations(EvalCommand cmd, QueryResult res)
    {
        string? Check(bool info, IReadOnlyList<string> actual, bool any, bool none)
        {
            string kind = info ? "info annotations" : "warnings";
            var expected = cmd.Annotations.Where(a => a.Info == info).ToList();
            if (none && actual.Count > 0)
            {
                return "unexpected " + kind + ": " + string.Join("; ", actual);
            }
            if ((any || expected.Count > 0) && actual.Count == 0)
            {
                return "expected " + kind + " but got none";
            }
            foreach (var e in expected)
            {
                if (!actual.Any(e.Matches))
                {
                    return "expected " + kind + " " + (e.Message is not null ? GoText.Quote(e.Message) : "matching " + e.Pattern) + " but got: " + string.Join("; ", actual);
                }
            }
            if (expected.Count > 0)
            {
                foreach (var a in actual)
                {
                    if (!expected.Any(e => e.Matches(a)))
                    {
                        return "unexpected " + kind + " " + GoText.Quote(a);
                    }
                }
            }
            return null;
        }
        return Check(false, res.Warnings, cmd.WarnAny, cmd.NoWarn) ?? Check(true, res.Infos, cmd.InfoAny, cmd.NoInfo);
    }

    private static string? AssertSorted(MatrixValue mat)
    {
        for (int i = 1; i < mat.Series.Count; i++)
        {
            if (LabelSet.Compare(mat.Series[i - 1].Metric, mat.Series[i].Metric) > 0)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"matrix results should always be sorted by labels, but series at index {i - 1} with labels {mat.Series[i - 1].Metric} sorts before series at index {i} with labels {mat.Series[i].Metric}");
            }
        }
        return null;
    }

    private static string F(double v) => GoText.FormatFloat(v);

    private static bool Equal(double expected, double actual) => Quantiles.AlmostEqual(expected, actual, 1e-6);

    private static string? Compare(EvalCommand cmd, QueryValue value, long start, long end, long step)
    {
        switch (value)
        {
            case MatrixValue mat:
            {
                if (cmd.Ordered)
                {
                    return "expected ordered result, but query returned a matrix";
                }
                if (cmd.ExpectedScalar is not null)
                {
                    return "expected scalar result, but got a matrix";
                }
                string? err = AssertSorted(mat);
                if (err is not null)
                {
                    return err;
                }
                var seen = new HashSet<LabelSet>();
                foreach (var s in mat.Series)
                {
                    if (!cmd.Expected.TryGetValue(s.Metric, out var exp))
                    {
                        return "unexpected metric " + s.Metric + " in result, has " + FormatPoints(s.Points);
                    }
                    seen.Add(s.Metric);
                    var expectedPoints = new List<(FPoint Point, bool HintGiven)>();
                    for (int i = 0; i < exp.Values.Count; i++)
                    {
                        long ts = start + (i * step);
                        if (ts > end || (step == 0 && i > 0))
                        {
                            return string.Create(CultureInfo.InvariantCulture, $"expected {exp.Values.Count} points for {s.Metric}, but query time range cannot return this many points");
                        }
                        if (!exp.Values[i].Omitted)
                        {
                            expectedPoints.Add((new FPoint(ts, exp.Values[i].Value, exp.Values[i].H), exp.Values[i].HintGiven));
                        }
                    }
                    int expFloats = expectedPoints.Count(p => p.Point.H is null);
                    int gotFloats = s.Points.Count(p => p.H is null);
                    if (expFloats != gotFloats)
                    {
                        return string.Create(CultureInfo.InvariantCulture,
                            $"expected {expFloats} float points for {s.Metric}, but got {FormatPoints(s.Points)}");
                    }
                    if (expectedPoints.Count - expFloats != s.Points.Count - gotFloats)
                    {
                        return string.Create(CultureInfo.InvariantCulture,
                            $"expected {expectedPoints.Count - expFloats} histogram points for {s.Metric}, but got {FormatPoints(s.Points)}");
                    }
                    for (int i = 0; i < expectedPoints.Count; i++)
                    {
                        var a = s.Points[i];
                        var (x, hintGiven) = expectedPoints[i];
                        if (a.T != x.T)
                        {
                            return string.Create(CultureInfo.InvariantCulture,
                                $"expected value at index {i} for {s.Metric} to have timestamp {x.T}, but it had timestamp {a.T} (result has {FormatPoints(s.Points)})");
                        }
                        string? diff = ComparePoint(x.F, x.H, hintGiven, a.F, a.H);
                        if (diff is not null)
                        {
                            return string.Create(CultureInfo.InvariantCulture,
                                $"value at index {i} (t={x.T}) for {s.Metric}: {diff} (result has {FormatPoints(s.Points)})");
                        }
                    }
                }
                foreach (var exp in cmd.Expected.Values)
                {
                    if (!seen.Contains(exp.Labels))
                    {
                        return "expected metric " + exp.Labels + " not found";
                    }
                }
                return null;
            }
            case VectorValue vec:
            {
                if (cmd.ExpectedScalar is not null)
                {
                    return "expected scalar result, but got a vector";
                }
                var seen = new HashSet<LabelSet>();
                for (int pos = 0; pos < vec.Samples.Count; pos++)
                {
                    var v = vec.Samples[pos];
                    if (!cmd.Expected.TryGetValue(v.Labels, out var exp))
                    {
                        return "unexpected metric " + v.Labels + " in result, has value " + (v.H is not null ? v.H.ToString() : F(v.V));
                    }
                    if (cmd.Ordered && exp.Position != pos + 1)
                    {
                        return string.Create(CultureInfo.InvariantCulture, $"expected metric {v.Labels} at position {exp.Position} but was at {pos + 1}");
                    }
                    var expected = exp.Values.Count > 0 ? exp.Values[0] : new SequenceValue(0, false);
                    if (expected.H is null && v.H is null)
                    {
                        if (!Equal(expected.Value, v.V))
                        {
                            return "expected " + F(expected.Value) + " for " + v.Labels + " but got " + F(v.V);
                        }
                    }
                    else if (ComparePoint(expected.Value, expected.H, expected.HintGiven, v.V, v.H) is { } diff)
                    {
                        return diff + " for " + v.Labels;
                    }
                    seen.Add(v.Labels);
                }
                foreach (var exp in cmd.Expected.Values)
                {
                    if (!seen.Contains(exp.Labels))
                    {
                        return "expected metric " + exp.Labels + " with " + (exp.Values.Count > 0 ? F(exp.Values[0].Value) : "no value") + " not found";
                    }
                }
                return null;
            }
            case ScalarValue sc:
                if (cmd.ExpectedScalar is not double es)
                {
                    return "expected vector or matrix result, but got scalar " + F(sc.V);
                }
                return Equal(es, sc.V) ? null : "expected scalar " + F(es) + " but got " + F(sc.V);
            case StringValue str:
                if (cmd.ExpectedString is null)
                {
                    return "expected vector or matrix result, but got string " + GoText.Quote(str.Value);
                }
                return cmd.ExpectedString == str.Value ? null : "expected string " + GoText.Quote(cmd.ExpectedString) + " but got " + GoText.Quote(str.Value);
        }
        return "unexpected result type " + value.Kind;
    }

    /// <summary>Null when the actual value (float or histogram) meets the expected one, else what differs.</summary>
    private static string? ComparePoint(double expF, FloatHistogram? expH, bool hintGiven, double gotF, FloatHistogram? gotH)
    {
        if (expH is null && gotH is null)
        {
            return Equal(expF, gotF) ? null : "expected " + F(expF) + " but got " + F(gotF);
        }
        if (expH is null)
        {
            return "expected float value " + F(expF) + " but got histogram " + gotH;
        }
        if (gotH is null)
        {
            return "expected histogram value " + expH + " but got float " + F(gotF);
        }
        return HistogramsMatch(expH, gotH, hintGiven) ? null : "expected histogram " + Describe(expH) + " but got " + Describe(gotH);
    }

    private static string Describe(FloatHistogram h)
        => string.Create(CultureInfo.InvariantCulture, $"{h} (schema {h.Schema}, zero threshold {F(h.ZeroThreshold)}, zero count {F(h.ZeroCount)}, hint {h.CounterResetHint})");

    /// <summary>promqltest's histogram comparison: both compacted, then schema, counts, spans and bounds equal, floats almost equal.</summary>
    internal static bool HistogramsMatch(FloatHistogram expected, FloatHistogram actual, bool compareHint)
    {
        var e = expected.Compact();
        var a = actual.Compact();
        if (compareHint && e.CounterResetHint != a.CounterResetHint)
        {
            return false;
        }
        if (e.Schema != a.Schema || !Equal(e.Count, a.Count) || !Equal(e.Sum, a.Sum) || !Equal(e.ZeroCount, a.ZeroCount)
            || !e.ZeroThreshold.Equals(a.ZeroThreshold))
        {
            return false;
        }
        if (e.UsesCustomBuckets && !FloatHistogram.BoundsEqual(e.CustomValues, a.CustomValues))
        {
            return false;
        }
        return e.PositiveSpans.AsSpan().SequenceEqual(a.PositiveSpans) && e.NegativeSpans.AsSpan().SequenceEqual(a.NegativeSpans)
            && BucketsEqual(e.PositiveBuckets, a.PositiveBuckets) && BucketsEqual(e.NegativeBuckets, a.NegativeBuckets);
    }

    private static bool BucketsEqual(double[] e, double[] a)
    {
        if (e.Length != a.Length)
        {
            return false;
        }
        for (int i = 0; i < e.Length; i++)
        {
            if (!Equal(e[i], a[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static string FormatPoints(IReadOnlyList<FPoint> points)
    {
        var sb = new StringBuilder();
        sb.Append('[');
        for (int i = 0; i < points.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.Append(points[i].H is { } h ? h.ToString() : F(points[i].F)).Append(" @[").Append(points[i].T.ToString(CultureInfo.InvariantCulture)).Append(']');
        }
        return sb.Append(']').ToString();
    }
}
