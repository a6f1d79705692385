using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.Rules;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Rules;

public sealed class RuleManagerTests : IDisposable
{
    private const long Minute = 60_000;
    private static readonly long T0 = 1_700_000_000_000 - (1_700_000_000_000 % Minute);
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-rules-").FullName;
    private readonly MemoryStorage _storage = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteRules(string name, string yaml)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private void Write(string series, long t, double v)
    {
        var app = _storage.Appender();
        app.Append(LabelSet.Of("__name__", series, "instance", "a"), t, v);
        app.Commit();
    }

    private const string AlertRules = """
        groups:
          - name: g
            rules:
              - alert: Down
                expr: up == 0
                for: 5m
                annotations:
                  summary: 'value {{ $value }} {{ "x" | humanize }}'
              - record: up:copy
                expr: up
        """;

    private RuleManager NewManager(List<(AlertingRule, List<Alert>)>? sent = null)
        => new(_storage, new PromQLEngine(), sent is null ? null : (r, a) => sent.Add((r, a)));

    [Fact]
    public async Task Evaluate_PendingThenFiringThenResolved_WritesAlertsSeriesAndNotifies()
    {
        WriteRules("a.yml", AlertRules);
        var sent = new List<(AlertingRule, List<Alert>)>();
        await using var m = NewManager(sent);
        Assert.Empty(await m.ApplyAsync(new RuleManagerOptions { RuleFiles = ["*.yml"], BaseDirectory = _dir }));
        for (int i = 0; i <= 6; i++)
        {
            Write("up", T0 + (i * Minute), 0);
            m.EvaluateAllAt(T0 + (i * Minute));
            var alert = Assert.Single(m.Alerts()).Alert;
            Assert.Equal(i < 5 ? AlertState.Pending : AlertState.Firing, alert.State);
            // A template error shows in the annotation and the rule keeps working.
            Assert.StartsWith("<error expanding template: template: __alert_Down:1:", alert.Annotations.Get("summary"), StringComparison.Ordinal);
            Assert.EndsWith("error calling humanize: strconv.ParseFloat: parsing \"x\": invalid syntax>", alert.Annotations.Get("summary"), StringComparison.Ordinal);
        }
        var firing = LabelSet.Of("__name__", "ALERTS", "alertname", "Down", "alertstate", "firing", "instance", "a");
        var pending = LabelSet.Of("__name__", "ALERTS", "alertname", "Down", "alertstate", "pending", "instance", "a");
        Assert.Equal([1.0, 1.0], _storage.SamplesOf(firing).Select(s => s.V));
        Assert.True(StaleMarker.IsStaleNaN(_storage.SamplesOf(pending)[^1].V), "pending ALERTS series gets a stale marker once firing");
        Assert.Equal(T0 / 1000.0, _storage.SamplesOf(LabelSet.Of("__name__", "ALERTS_FOR_STATE", "alertname", "Down", "instance", "a"))[^1].V);
        Assert.Single(sent);
        Assert.Equal(T0 + (5 * Minute), sent[0].Item2.Single().FiredAtMs);

        Write("up", T0 + (7 * Minute), 1);
        m.EvaluateAllAt(T0 + (7 * Minute));
        Assert.Empty(m.Alerts());
        Assert.True(StaleMarker.IsStaleNaN(_storage.SamplesOf(firing)[^1].V));
        var resolved = sent[^1].Item2.Single();
        Assert.Equal(AlertState.Inactive, resolved.State);
        Assert.Equal(T0 + (7 * Minute), resolved.ResolvedAtMs);
        var group = Assert.Single(m.Groups);
        Assert.All(group.Rules, r => Assert.Equal(RuleHealth.Ok, r.Health));
    }

    [Fact]
    public async Task Restart_ForStateRestoredFromAlertsForState_NoRewait()
    {
        WriteRules("a.yml", AlertRules);
        var options = new RuleManagerOptions { RuleFiles = ["a.yml"], BaseDirectory = _dir };
        await using (var first = NewManager())
        {
            await first.ApplyAsync(options);
            for (int i = 0; i <= 3; i++)
            {
                Write("up", T0 + (i * Minute), 0);
                first.EvaluateAllAt(T0 + (i * Minute));
            }
            Assert.Equal(AlertState.Pending, first.Alerts().Single().Alert.State);
        }
        // Down for 2 minutes, then a new manager on the same storage: 3 of the 5 minutes are already served.
        await using var second = NewManager();
        await second.ApplyAsync(options);
        long restart = T0 + (6 * Minute);
        Write("up", restart, 0);
        second.EvaluateAllAt(restart);
        // Pending from T0 to T0+3m (last ALERTS_FOR_STATE), down until T0+6m: the downtime does not count.
        Assert.Equal(T0 + (3 * Minute), second.Alerts().Single().Alert.ActiveAtMs);
        Write("up", restart + Minute, 0);
        second.EvaluateAllAt(restart + Minute);
        Assert.Equal(AlertState.Pending, second.Alerts().Single().Alert.State);
        Write("up", restart + (2 * Minute), 0);
        second.EvaluateAllAt(restart + (2 * Minute));
        Assert.Equal(AlertState.Firing, second.Alerts().Single().Alert.State);
    }

    [Fact]
    public async Task Reload_UnchangedRuleKeepsState_InvalidSetRejected_RemovedRuleGoesStale()
    {
        string path = WriteRules("a.yml", AlertRules);
        var options = new RuleManagerOptions { RuleFiles = [path] };
        await using var m = NewManager();
        await m.ApplyAsync(options);
        for (int i = 0; i <= 2; i++)
        {
            Write("up", T0 + (i * Minute), 0);
            m.EvaluateAllAt(T0 + (i * Minute));
        }
        File.WriteAllText(path, AlertRules.Replace("up == 0", "up == ", StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<RuleLoadException>(() => m.ApplyAsync(options));
        Assert.Contains("a.yml:5:15: group \"g\", rule 1, \"Down\": could not parse expression: 1:6: parse error: unexpected end of input", ex.Message, StringComparison.Ordinal);
        Assert.Equal(T0, m.Alerts().Single().Alert.ActiveAtMs);

        // The alert is unchanged, the recording rule is removed: state kept, recorded series marked stale.
        File.WriteAllText(path, AlertRules[..AlertRules.IndexOf("      - record", StringComparison.Ordinal)]);
        await m.ApplyAsync(options);
        Write("up", T0 + (3 * Minute), 0);
        m.EvaluateAllAt(T0 + (3 * Minute));
        Assert.Equal(T0, m.Alerts().Single().Alert.ActiveAtMs);
        Assert.True(StaleMarker.IsStaleNaN(_storage.SamplesOf(LabelSet.Of("__name__", "up:copy", "instance", "a"))[^1].V));
    }

    [Fact]
    public async Task FirstStart_BadGroupReported_OtherGroupsLoad()
    {
        WriteRules("a.yml", """
            groups:
              - name: good
                rules:
                  - record: x:y
                    expr: up
              - name: bad
                rules:
                  - record: x:z
                    expr: sum(up
                    bogus: 1
            """);
        await using var m = NewManager();
        var errors = await m.ApplyAsync(new RuleManagerOptions { RuleFiles = ["a.yml"], BaseDirectory = _dir });
        Assert.Equal(["good"], m.Groups.Select(g => g.Name));
        Assert.Contains(errors, e => e.Line == 10 && e.Column == 9 && e.Message.StartsWith("field \"bogus\" not found in rule", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 9 && e.Message.Contains("group \"bad\", rule 1, \"x:z\": could not parse expression", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Group_LimitExceeded_RuleFailsWithPrometheusMessage_QueryOffsetReadsTheData()
    {
        WriteRules("a.yml", """
            groups:
              - name: limited
                limit: 1
                rules:
                  - alert: Many
                    expr: up > 0
                  - record: up:copy
                    expr: up
              - name: offset
                query_offset: 2m
                rules:
                  - record: up:offset
                    expr: up
            """);
        await using var m = NewManager();
        Assert.Empty(await m.ApplyAsync(new RuleManagerOptions { RuleFiles = ["a.yml"], BaseDirectory = _dir }));
        var app = _storage.Appender();
        app.Append(LabelSet.Of("__name__", "up", "instance", "a"), T0, 1);
        app.Append(LabelSet.Of("__name__", "up", "instance", "b"), T0, 1);
        app.Append(LabelSet.Of("__name__", "up", "instance", "a"), T0 + (2 * Minute), 7);
        app.Commit();
        m.EvaluateAllAt(T0 + (2 * Minute));

        var limited = m.Groups.Single(g => g.Name == "limited");
        Assert.All(limited.Rules, r => Assert.Equal(RuleHealth.Err, r.Health));
        Assert.Equal("exceeded limit of 1 with 2 alerts", limited.Rules[0].LastError);
        Assert.Equal("exceeded limit of 1 with 2 series", limited.Rules[1].LastError);
        Assert.Empty(m.Alerts());
        Assert.DoesNotContain(_storage.AllSeries(), l => l.Name == "up:copy");

        // query_offset 2m: evaluated at T0+2m, the rule sees the data of T0 (value 1, both instances) and, as in
        // Prometheus, the recorded samples carry that earlier time.
        var offset = _storage.AllSeries().Where(l => l.Name == "up:offset").OrderBy(l => l.Get("instance"), StringComparer.Ordinal).ToList();
        Assert.Equal(["a", "b"], offset.Select(l => l.Get("instance")));
        Assert.All(offset, l => Assert.Equal((T0, 1.0), (_storage.SamplesOf(l).Single().T, _storage.SamplesOf(l).Single().V)));
    }

    [Fact]
    public async Task Firing_ResentEveryResendDelay_ResolvedSentOnce()
    {
        WriteRules("a.yml", "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n");
        var sent = new List<(AlertingRule, List<Alert>)>();
        await using var m = NewManager(sent);
        await m.ApplyAsync(new RuleManagerOptions { RuleFiles = ["a.yml"], BaseDirectory = _dir, ResendDelay = TimeSpan.FromMinutes(2) });
        var times = new List<long>();
        for (int i = 0; i <= 6; i++)
        {
            long t = T0 + (i * Minute);
            Write("up", t, i < 6 ? 0 : 1);
            int before = sent.Count;
            m.EvaluateAllAt(t);
            if (sent.Count > before)
            {
                times.Add(t);
            }
        }
        // Firing from T0: sent at once, then when more than the resend delay (2m) has passed, then the resolution.
        Assert.Equal([T0, T0 + (3 * Minute), T0 + (6 * Minute)], times);
        var resolved = sent[^1].Item2.Single();
        Assert.Equal(T0 + (6 * Minute), resolved.ResolvedAtMs);
        var firing = sent[0].Item2.Single();
        Assert.True(firing.ValidUntilMs > T0 + (2 * Minute), "a firing alert stays valid for several resend delays");
    }

    [Fact]
    public void EvalTimestamp_StableOffsetWithinInterval()
    {
        var g = new RuleGroup("g", "f.yml", TimeSpan.FromMinutes(1), TimeSpan.Zero, 0, []);
        long a = g.EvalTimestamp(T0 + 12_345);
        Assert.True(a <= T0 + 12_345 && a > T0 + 12_345 - Minute);
        Assert.Equal(a + Minute, g.EvalTimestamp(T0 + 12_345 + Minute));
        Assert.Equal(a, new RuleGroup("g", "f.yml", TimeSpan.FromMinutes(1), TimeSpan.Zero, 0, []).EvalTimestamp(T0 + 12_345));
    }
}
