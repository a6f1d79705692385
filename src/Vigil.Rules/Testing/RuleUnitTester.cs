using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Parser;
using Vigil.PromQL.Testing;
using YamlDotNet.RepresentationModel;

namespace Vigil.Rules.Testing;

/// <summary>
/// Runs rule unit tests in <c>promtool test rules</c>'s format: <c>rule_files</c>, <c>evaluation_interval</c>,
/// <c>group_eval_order</c> and <c>tests</c> with <c>input_series</c> (expanding notation <c>1+2x3</c>, <c>_</c>,
/// <c>stale</c>), <c>alert_rule_test</c>, <c>promql_expr_test</c>, <c>external_labels</c>, <c>external_url</c>.
/// Output and exit code follow promtool: per file <c>Unit Testing:  FILE</c>, then <c>  SUCCESS</c> or
/// <c>  FAILED:</c> with the failures on standard error; exit code 1 when any file failed.
/// </summary>
/// <remarks>
/// As promtool does, the rules of every group are evaluated together at 0, evaluation_interval, … up to the largest
/// <c>eval_time</c>, with the input samples up to each evaluation time loaded before it; alerts are compared at the
/// evaluation at or before their <c>eval_time</c>, expressions after all evaluations. Not thread-safe.
/// </remarks>
public sealed class RuleUnitTester
{
    private readonly Func<IStorage> _storageFactory;
    private readonly PromQLEngine _engine;

    /// <summary>Creates a tester that opens a fresh storage per test group.</summary>
    public RuleUnitTester(Func<IStorage> storageFactory, PromQLEngine? engine = null)
    {
        _storageFactory = storageFactory ?? throw new ArgumentNullException(nameof(storageFactory));
        _engine = engine ?? new PromQLEngine(new EngineOptions { MaxSamples = 50_000_000, Timeout = TimeSpan.FromSeconds(100) });
    }

    /// <summary>Tests every file; returns promtool's exit code (0 all passed, 1 otherwise).</summary>
    public int Run(IReadOnlyList<string> files, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        bool failed = false;
        foreach (string f in files)
        {
            stdout.WriteLine("Unit Testing:  " + f);
            stdout.Flush();
            var errors = RunFile(f, stderr);
            if (errors.Count > 0)
            {
                stderr.WriteLine("  FAILED:");
                foreach (string e in errors)
                {
                    stderr.WriteLine(e);
                    stdout.WriteLine();
                }
                stderr.Flush();
                failed = true;
            }
            else
            {
                stdout.WriteLine("  SUCCESS");
            }
            stdout.WriteLine();
        }
        return failed ? 1 : 0;
    }

    /// <summary>Runs one test file and returns its failures (empty when it passed).</summary>
    public List<string> RunFile(string file, TextWriter warnings)
    {
        UnitTestFile spec;
        try
        {
            spec = UnitTestFile.Parse(File.ReadAllText(file), file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [e.Message];
        }
        catch (FormatException e)
        {
            return [e.Message];
        }
        var globErrors = new List<RuleFileError>();
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";
        var ruleFiles = new List<string>();
        foreach (string pattern in spec.RuleFiles)
        {
            var m = RuleLoader.ExpandGlobs([pattern], baseDir, globErrors);
            if (m.Count == 0 && globErrors.Count == 0)
            {
                warnings.WriteLine("  WARNING: no file match pattern " + pattern);
            }
            ruleFiles.AddRange(m);
        }
        if (globErrors.Count > 0)
        {
            return [.. globErrors.Select(e => e.ToString())];
        }
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < spec.GroupEvalOrder.Count; i++)
        {
            if (!order.TryAdd(spec.GroupEvalOrder[i], i))
            {
                return ["group name repeated in evaluation order: " + spec.GroupEvalOrder[i]];
            }
        }
        var errors = new List<string>();
        foreach (var test in spec.Tests)
        {
            errors.AddRange(RunGroup(test, spec.EvaluationInterval, order, ruleFiles));
        }
        return errors;
    }

    private List<string> RunGroup(TestGroup tg, TimeSpan evalInterval, Dictionary<string, int> order, List<string> ruleFiles)
    {
        var storage = _storageFactory();
        try
        {
            return RunGroup(tg, evalInterval, order, ruleFiles, storage);
        }
        finally
        {
            (storage as IDisposable)?.Dispose();
        }
    }

    private List<string> RunGroup(TestGroup tg, TimeSpan evalInterval, Dictionary<string, int> order, List<string> ruleFiles, IStorage storage)
    {
        long step = (long)(tg.Interval ?? evalInterval).TotalMilliseconds;
        // Input samples in time order, loaded up to each evaluation time.
        var input = new List<(long T, LabelSet Labels, double V)>();
        foreach (var (series, values) in tg.InputSeries)
        {
            SeriesDescription desc;
            try
            {
                desc = SeriesDescription.Parse(series + " " + values);
            }
            catch (FormatException e)
            {
                return ["error in input series " + GoText.Quote(series) + ": " + e.Message];
            }
            for (int i = 0; i < desc.Values.Count; i++)
            {
                var v = desc.Values[i];
                if (!v.Omitted && !v.Histogram)
                {
                    input.Add((i * step, desc.Labels, v.Value));
                }
            }
        }
        input.Sort(static (a, b) => a.T.CompareTo(b.T));

        var options = new RuleManagerOptions
        {
            EvaluationInterval = tg.Interval ?? evalInterval,
            ExternalLabels = tg.ExternalLabels,
            ExternalUrl = tg.ExternalUrl,
        };
        var groups = new List<RuleGroup>();
        var loadErrors = new List<string>();
        foreach (string f in ruleFiles)
        {
            var parsed = RuleFileParser.ParseFile(f);
            loadErrors.AddRange(parsed.Errors.Select(e => e.ToString()));
            groups.AddRange(parsed.Groups.Select(g => RuleLoader.Build(g, options)));
        }
        if (loadErrors.Count > 0)
        {
            return loadErrors;
        }
        groups = [.. groups.OrderBy(g => order.GetValueOrDefault(g.Name, 0))];
        foreach (var g in groups)
        {
            foreach (var r in g.Rules)
            {
                if (r is AlertingRule ar)
                {
                    ar.Restored = true;
                }
            }
        }
        var ctx = new RuleGroupContext(new RuleContext(_engine, storage, tg.ExternalLabels, tg.ExternalUrl), storage, NullLogger.Instance);

        foreach (var a in tg.AlertTests)
        {
            if (a.AlertName.Length == 0)
            {
                string where = tg.Name.Length > 0 ? " (in TestGroup " + tg.Name + ")" : string.Empty;
                return ["an item under alert_rule_test misses required attribute alertname at eval_time " + PrometheusDuration.Format(a.EvalTime) + where];
            }
        }
        var alertTimes = tg.AlertTests.Select(a => (long)a.EvalTime.TotalMilliseconds).Distinct().Order().ToList();
        long maxT = Math.Max(alertTimes.Count > 0 ? alertTimes[^1] : 0, tg.ExprTests.Count > 0 ? tg.ExprTests.Max(e => (long)e.EvalTime.TotalMilliseconds) : 0);
        long interval = (long)evalInterval.TotalMilliseconds;
        var errs = new List<string>();
        int loaded = 0;
        int curr = 0;
        for (long ts = 0; ts <= maxT; ts += interval)
        {
            loaded = LoadTill(storage, input, loaded, ts);
            var evalErrs = new List<string>();
            foreach (var g in groups)
            {
                g.Evaluate(ctx, ts, CancellationToken.None);
                foreach (var r in g.Rules)
                {
                    if (r.LastError is { } e)
                    {
                        evalErrs.Add("    rule: " + r.Name + ", time: " + GoDuration(ts) + ", err: " + e);
                    }
                }
            }
            errs.AddRange(evalErrs);
            if (evalErrs.Count > 0)
            {
                return errs;
            }
            while (curr < alertTimes.Count && ts <= alertTimes[curr] && alertTimes[curr] < ts + interval)
            {
                long t = alertTimes[curr];
                foreach (var testcase in tg.AlertTests.Where(a => (long)a.EvalTime.TotalMilliseconds == t))
                {
                    var got = new List<(LabelSet Labels, LabelSet Annotations)>();
                    foreach (var g in groups)
                    {
                        foreach (var r in g.Rules)
                        {
                            if (r is AlertingRule ar && ar.Name == testcase.AlertName)
                            {
                                got.AddRange(ar.ActiveAlerts().Where(a => a.State == AlertState.Firing).Select(a => (a.Labels, a.Annotations)));
                            }
                        }
                    }
                    var exp = testcase.Expected.Select(e =>
                    {
                        var lb = new LabelSetBuilder();
                        foreach (var (k, v) in e.Labels)
                        {
                            lb.Set(k, v);
                        }
                        lb.Set(AlertingRule.AlertNameLabel, testcase.AlertName);
                        return (lb.Build(), LabelSet.FromDictionary(e.Annotations));
                    }).ToList();
                    got.Sort(CompareAlert);
                    exp.Sort(CompareAlert);
                    if (!got.SequenceEqual(exp))
                    {
                        string name = tg.Name.Length > 0 ? "    name: " + tg.Name + ",\n" : string.Empty;
                        errs.Add(name + "    alertname: " + testcase.AlertName + ", time: " + PrometheusDuration.Format(testcase.EvalTime) + ", \n        exp:"
                            + Indent(AlertsString(exp), "            ") + ", \n        got:" + Indent(AlertsString(got), "            "));
                    }
                }
                curr++;
            }
        }

        foreach (var tc in tg.ExprTests)
        {
            string time = PrometheusDuration.Format(tc.EvalTime);
            IReadOnlyList<Vigil.Core.Model.LabeledSample> got;
            try
            {
                got = ctx.Rules.Query(tc.Expr, (long)tc.EvalTime.TotalMilliseconds, CancellationToken.None);
            }
            catch (PromQLException e)
            {
                errs.Add("    expr: " + GoText.Quote(tc.Expr) + ", time: " + time + ", err: " + e.Message);
                continue;
            }
            var gotSamples = got.Select(s => (s.Labels, s.V)).ToList();
            var expSamples = new List<(LabelSet Labels, double V)>();
            string? parseError = null;
            foreach (var (labels, value) in tc.Expected)
            {
                try
                {
                    int pos = 0;
                    var l = SeriesDescription.ParseMetric(labels, ref pos);
                    if (labels[pos..].Trim().Length > 0)
                    {
                        throw new FormatException("unexpected " + GoText.Quote(labels[pos..].Trim()));
                    }
                    expSamples.Add((l, value));
                }
                catch (FormatException e)
                {
                    parseError = "labels " + GoText.Quote(labels) + ": " + e.Message;
                    break;
                }
            }
            if (parseError is not null)
            {
                errs.Add("    expr: " + GoText.Quote(tc.Expr) + ", time: " + time + ", err: " + parseError);
                continue;
            }
            gotSamples.Sort(static (a, b) => LabelSet.Compare(a.Labels, b.Labels));
            expSamples.Sort(static (a, b) => LabelSet.Compare(a.Labels, b.Labels));
            bool equal = gotSamples.Count == expSamples.Count;
            for (int i = 0; equal && i < gotSamples.Count; i++)
            {
                // Note: promtool compares values with ==, so NaN never matches; so does this.
                equal = gotSamples[i].Labels == expSamples[i].Labels && gotSamples[i].V == expSamples[i].V;
            }
            if (!equal)
            {
                errs.Add("    expr: " + GoText.Quote(tc.Expr) + ", time: " + time + ",\n        exp: " + SamplesString(expSamples) + "\n        got: " + SamplesString(gotSamples));
            }
        }
        return errs;
    }

    private static int LoadTill(IStorage storage, List<(long T, LabelSet Labels, double V)> input, int from, long ts)
    {
        int i = from;
        if (i >= input.Count || input[i].T > ts)
        {
            return i;
        }
        var app = storage.Appender();
        for (; i < input.Count && input[i].T <= ts; i++)
        {
            var sref = SeriesRef.None;
            app.TryAppend(ref sref, input[i].Labels, input[i].T, input[i].V, out _);
        }
        app.Commit();
        return i;
    }

    private static int CompareAlert((LabelSet Labels, LabelSet Annotations) a, (LabelSet Labels, LabelSet Annotations) b)
    {
        int c = LabelSet.Compare(a.Labels, b.Labels);
        return c != 0 ? c : LabelSet.Compare(a.Annotations, b.Annotations);
    }

    private static string AlertsString(List<(LabelSet Labels, LabelSet Annotations)> alerts)
    {
        if (alerts.Count == 0)
        {
            return "[]";
        }
        var sb = new StringBuilder("[\n");
        for (int i = 0; i < alerts.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(",\n");
            }
            sb.Append(i.ToString(CultureInfo.InvariantCulture)).Append(':')
                .Append(Indent("\nLabels:" + alerts[i].Labels + "\nAnnotations:" + alerts[i].Annotations, "  "));
        }
        return sb.Append("\n]").ToString();
    }

    private static string SamplesString(List<(LabelSet Labels, double V)> samples)
        => samples.Count == 0 ? "nil" : string.Join(", ", samples.Select(s => s.Labels + " " + FormatE(s.V)));

    private static string FormatE(double v)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "+Inf" : "-Inf";
        }
        // Go's strconv.FormatFloat(v, 'E', -1, 64): shortest digits in exponent form.
        string r = string.Empty;
        int digits = 1;
        for (; digits <= 17; digits++)
        {
            r = v.ToString("E" + (digits - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (double.Parse(r, CultureInfo.InvariantCulture) == v)
            {
                break;
            }
        }
        int e = r.IndexOf('E', StringComparison.Ordinal);
        int exp = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return r[..e] + "E" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }

    private static string GoDuration(long ms)
    {
        // Go's time.Duration.String(): 0s, 1m30s, 1h0m0s.
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        long h = ms / 3_600_000, m = ms / 60_000 % 60;
        double s = ms % 60_000 / 1000.0;
        if (h > 0)
        {
            sb.Append(h.ToString(CultureInfo.InvariantCulture)).Append('h');
        }
        if (h > 0 || m > 0)
        {
            sb.Append(m.ToString(CultureInfo.InvariantCulture)).Append('m');
        }
        sb.Append(s.ToString(CultureInfo.InvariantCulture)).Append('s');
        return sb.ToString();
    }

    private static string Indent(string lines, string indent)
    {
        var parts = lines.Split('\n');
        return string.Join("\n" + indent, parts);
    }

    /// <summary>One test group of a unit test file.</summary>
    internal sealed record TestGroup(
        TimeSpan? Interval,
        List<(string Series, string Values)> InputSeries,
        List<AlertTest> AlertTests,
        List<ExprTest> ExprTests,
        LabelSet ExternalLabels,
        string ExternalUrl,
        string Name);

    /// <summary>An <c>alert_rule_test</c> item.</summary>
    internal sealed record AlertTest(TimeSpan EvalTime, string AlertName, List<(Dictionary<string, string> Labels, Dictionary<string, string> Annotations)> Expected);

    /// <summary>A <c>promql_expr_test</c> item.</summary>
    internal sealed record ExprTest(string Expr, TimeSpan EvalTime, List<(string Labels, double Value)> Expected);

    /// <summary>A parsed unit test file.</summary>
    internal sealed record UnitTestFile(List<string> RuleFiles, TimeSpan EvaluationInterval, List<string> GroupEvalOrder, List<TestGroup> Tests)
    {
        public static UnitTestFile Parse(string text, string file)
        {
            if (!Yaml.SafeYaml.TryLoad(text, out var stream, out var syntax))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{file}:{syntax.Line}:{syntax.Column}: YAML syntax error: {syntax.Message}"));
            }
            var y = new StrictYaml(file);
            var rootNode = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : new YamlMappingNode();
            var ruleFiles = new List<string>();
            var interval = TimeSpan.FromMinutes(1);
            var order = new List<string>();
            var tests = new List<TestGroup>();
            foreach (var (key, v) in y.Map(rootNode, "rule_files", "evaluation_interval", "group_eval_order", "tests"))
            {
                switch (key)
                {
                    case "rule_files":
                        ruleFiles = y.Strings(v);
                        break;
                    case "evaluation_interval":
                        var d = y.Duration(v);
                        interval = d == TimeSpan.Zero ? TimeSpan.FromMinutes(1) : d;
                        break;
                    case "group_eval_order":
                        order = y.Strings(v);
                        break;
                    default:
                        foreach (var t in y.List(v))
                        {
                            tests.Add(ParseGroup(y, t));
                        }
                        break;
                }
            }
            return new UnitTestFile(ruleFiles, interval, order, tests);
        }

        private static TestGroup ParseGroup(StrictYaml y, YamlNode node)
        {
            TimeSpan? interval = null;
            var input = new List<(string, string)>();
            var alerts = new List<AlertTest>();
            var exprs = new List<ExprTest>();
            var ext = LabelSet.Empty;
            string url = string.Empty, name = string.Empty;
            foreach (var (key, v) in y.Map(node, "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url", "name"))
            {
                switch (key)
                {
                    case "interval":
                        var d = y.Duration(v);
                        interval = d == TimeSpan.Zero ? null : d;
                        break;
                    case "input_series":
                        foreach (var s in y.List(v))
                        {
                            string series = string.Empty, values = string.Empty;
                            foreach (var (k2, v2) in y.Map(s, "series", "values"))
                            {
                                if (k2 == "series")
                                {
                                    series = y.String(v2);
                                }
                                else
                                {
                                    values = y.String(v2);
                                }
                            }
                            input.Add((series, values));
                        }
                        break;
                    case "alert_rule_test":
                        foreach (var a in y.List(v))
                        {
                            var evalTime = TimeSpan.Zero;
                            string alertName = string.Empty;
                            var expected = new List<(Dictionary<string, string>, Dictionary<string, string>)>();
                            foreach (var (k2, v2) in y.Map(a, "eval_time", "alertname", "exp_alerts"))
                            {
                                switch (k2)
                                {
                                    case "eval_time":
                                        evalTime = y.Duration(v2);
                                        break;
                                    case "alertname":
                                        alertName = y.String(v2);
                                        break;
                                    default:
                                        foreach (var e in y.List(v2))
                                        {
                                            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                                            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
                                            foreach (var (k3, v3) in y.Map(e, "exp_labels", "exp_annotations"))
                                            {
                                                (k3 == "exp_labels" ? labels : annotations).Clear();
                                                foreach (var (lk, lv) in y.StringMap(v3))
                                                {
                                                    (k3 == "exp_labels" ? labels : annotations)[lk] = lv;
                                                }
                                            }
                                            expected.Add((labels, annotations));
                                        }
                                        break;
                                }
                            }
                            alerts.Add(new AlertTest(evalTime, alertName, expected));
                        }
                        break;
                    case "promql_expr_test":
                        foreach (var e in y.List(v))
                        {
                            string expr = string.Empty;
                            var evalTime = TimeSpan.Zero;
                            var samples = new List<(string, double)>();
                            foreach (var (k2, v2) in y.Map(e, "expr", "eval_time", "exp_samples"))
                            {
                                switch (k2)
                                {
                                    case "expr":
                                        expr = y.String(v2);
                                        break;
                                    case "eval_time":
                                        evalTime = y.Duration(v2);
                                        break;
                                    default:
                                        foreach (var s in y.List(v2))
                                        {
                                            string labels = string.Empty;
                                            double value = 0;
                                            foreach (var (k3, v3) in y.Map(s, "labels", "value"))
                                            {
                                                if (k3 == "labels")
                                                {
                                                    labels = y.String(v3);
                                                }
                                                else
                                                {
                                                    value = y.Float(v3);
                                                }
                                            }
                                            samples.Add((labels, value));
                                        }
                                        break;
                                }
                            }
                            exprs.Add(new ExprTest(expr, evalTime, samples));
                        }
                        break;
                    case "external_labels":
                        ext = LabelSet.FromDictionary(y.StringMap(v));
                        break;
                    case "external_url":
                        url = y.String(v);
                        break;
                    default:
                        name = y.String(v);
                        break;
                }
            }
            return new TestGroup(interval, input, alerts, exprs, ext, url, name);
        }
    }
}
