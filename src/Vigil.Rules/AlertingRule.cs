using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.PromQL.Templates;

namespace Vigil.Rules;

/// <summary>
/// An alerting rule: every series of the expression's result is an alert that is pending until it has been active for
/// <see cref="For"/>, then firing; when the series disappears the alert resolves (after <see cref="KeepFiringFor"/>).
/// Each evaluation yields <c>ALERTS{alertstate="pending|firing"}</c> = 1 and <c>ALERTS_FOR_STATE</c> = the active-since
/// time in seconds for every pending or firing alert.
/// </summary>
/// <remarks>Evaluated by its group's task; <see cref="ActiveAlerts"/> may be read from any thread.</remarks>
public sealed class AlertingRule : Rule
{
    /// <summary>The metric of the per-alert state series.</summary>
    public const string AlertMetricName = "ALERTS";

    /// <summary>The metric holding each alert's active-since time, used to restore <c>for</c> state after a restart.</summary>
    public const string AlertForStateMetricName = "ALERTS_FOR_STATE";

    /// <summary>The label naming the alert.</summary>
    public const string AlertNameLabel = "alertname";

    /// <summary>The label of <c>ALERTS</c> holding the state.</summary>
    public const string AlertStateLabel = "alertstate";

    private static readonly long ResolvedRetentionMs = (long)TimeSpan.FromMinutes(15).TotalMilliseconds;

    private readonly object _lock = new();
    private readonly Dictionary<LabelSet, Alert> _active = new();
    private readonly (string Name, GoTemplate Template)[] _labelTemplates;
    private readonly (string Name, GoTemplate Template)[] _annotationTemplates;
    private volatile bool _restored;

    /// <summary>Creates the rule; label and annotation values are templates (validated by <see cref="RuleFileParser"/>).</summary>
    /// <exception cref="TemplateException">A label or annotation template does not parse.</exception>
    public AlertingRule(string alert, string expr, TimeSpan forDuration, TimeSpan keepFiringFor, LabelSet labels, LabelSet annotations)
        : base(alert, expr, labels)
    {
        For = forDuration;
        KeepFiringFor = keepFiringFor;
        Annotations = annotations;
        _labelTemplates = [.. labels.Select(l => (l.Name, GoTemplate.Parse("__alert_" + alert, l.Value)))];
        _annotationTemplates = [.. annotations.Select(l => (l.Name, GoTemplate.Parse("__alert_" + alert, l.Value)))];
    }

    /// <summary>How long an alert stays pending before it fires.</summary>
    public TimeSpan For { get; }

    /// <summary>How long an alert keeps firing after its condition is gone.</summary>
    public TimeSpan KeepFiringFor { get; }

    /// <summary>The annotation templates.</summary>
    public LabelSet Annotations { get; }

    /// <summary>True once the <c>for</c> state has been restored (or restoring was not needed); only then are ALERTS series written.</summary>
    public bool Restored
    {
        get => _restored;
        internal set => _restored = value;
    }

    /// <summary>Copies of the pending, firing and recently resolved alerts, in label order.</summary>
    public IReadOnlyList<Alert> ActiveAlerts()
    {
        lock (_lock)
        {
            var list = _active.Values.Select(a => a.Clone()).ToList();
            list.Sort(static (a, b) => LabelSet.Compare(a.Labels, b.Labels));
            return list;
        }
    }

    /// <summary>The most severe state of the rule's alerts.</summary>
    public AlertState State
    {
        get
        {
            lock (_lock)
            {
                var max = AlertState.Inactive;
                foreach (var a in _active.Values)
                {
                    if (a.State > max)
                    {
                        max = a.State;
                    }
                }
                return max;
            }
        }
    }

    internal override List<LabeledSample> Eval(RuleContext ctx, long tsMs, long queryOffsetMs, int limit, CancellationToken ct)
    {
        long queryTs = tsMs - queryOffsetMs;
        var vector = ctx.Query(Expr, queryTs, ct);
        var found = new Dictionary<LabelSet, Alert>(vector.Count);
        var b = new LabelSetBuilder();
        foreach (var s in vector)
        {
            var data = new AlertTemplateData(s.Labels.ToDictionary(), ctx.ExternalLabelMap, ctx.ExternalUrl, s.V);
            b.Reset(s.Labels);
            b.Delete(LabelSet.MetricName);
            foreach (var (name, template) in _labelTemplates)
            {
                b.Set(name, template.Expand(data));
            }
            b.Set(AlertNameLabel, Name);
            var labels = b.Build();
            var annotations = new LabelSetBuilder();
            foreach (var (name, template) in _annotationTemplates)
            {
                annotations.Set(name, template.Expand(data));
            }
            if (found.ContainsKey(labels))
            {
                throw new PromQLException(QueryErrorType.Execution, "vector contains metrics with the same labelset after applying alert labels");
            }
            found[labels] = new Alert { Labels = labels, Annotations = annotations.Build(), Value = s.V, ActiveAtMs = tsMs, State = AlertState.Pending };
        }

        lock (_lock)
        {
            foreach (var (labels, fresh) in found)
            {
                if (_active.TryGetValue(labels, out var existing) && existing.State != AlertState.Inactive)
                {
                    existing.Value = fresh.Value;
                    existing.Annotations = fresh.Annotations;
                    continue;
                }
                _active[labels] = fresh;
            }

            var output = new List<LabeledSample>();
            int activeCount = 0;
            var remove = new List<LabelSet>();
            foreach (var (labels, a) in _active)
            {
                if (!found.ContainsKey(labels))
                {
                    bool keepFiring = false;
                    if (a.State == AlertState.Firing && KeepFiringFor > TimeSpan.Zero)
                    {
                        a.KeepFiringSinceMs ??= tsMs;
                        keepFiring = tsMs - a.KeepFiringSinceMs.Value < (long)KeepFiringFor.TotalMilliseconds;
                    }
                    if (a.State == AlertState.Pending || (a.ResolvedAtMs is { } r && tsMs - r > ResolvedRetentionMs))
                    {
                        remove.Add(labels);
                    }
                    if (a.State != AlertState.Inactive && !keepFiring)
                    {
                        a.State = AlertState.Inactive;
                        a.ResolvedAtMs = tsMs;
                    }
                    if (!keepFiring)
                    {
                        continue;
                    }
                }
                else
                {
                    a.KeepFiringSinceMs = null;
                }
                activeCount++;
                if (a.State == AlertState.Pending && tsMs - a.ActiveAtMs >= (long)For.TotalMilliseconds)
                {
                    a.State = AlertState.Firing;
                    a.FiredAtMs = tsMs;
                }
                if (_restored)
                {
                    output.Add(new LabeledSample(AlertSeries(a), queryTs, 1));
                    output.Add(new LabeledSample(ForStateSeries(a.Labels), queryTs, a.ActiveAtMs / 1000.0));
                }
            }
            foreach (var l in remove)
            {
                _active.Remove(l);
            }
            if (limit > 0 && activeCount > limit)
            {
                _active.Clear();
                throw new PromQLException(QueryErrorType.Execution,
                    string.Create(CultureInfo.InvariantCulture, $"exceeded limit of {limit} with {activeCount} alerts"));
            }
            return output;
        }
    }

    private static LabelSet AlertSeries(Alert a)
        => new LabelSetBuilder(a.Labels).Set(LabelSet.MetricName, AlertMetricName)
            .Set(AlertStateLabel, a.State == AlertState.Firing ? "firing" : "pending").Build();

    private static LabelSet ForStateSeries(LabelSet alertLabels)
        => new LabelSetBuilder(alertLabels).Set(LabelSet.MetricName, AlertForStateMetricName).Build();

    /// <summary>Alerts due for the notifier at <paramref name="tsMs"/>; marks them sent.</summary>
    internal List<Alert> AlertsToSend(long tsMs, long resendDelayMs, long intervalMs)
    {
        var result = new List<Alert>();
        lock (_lock)
        {
            foreach (var a in _active.Values)
            {
                if (!a.NeedsSending(tsMs, resendDelayMs))
                {
                    continue;
                }
                a.LastSentAtMs = tsMs;
                // Note: valid for four evaluations or resends, so two lost sends do not resolve the alert at the receiver.
                a.ValidUntilMs = tsMs + (4 * Math.Max(resendDelayMs, intervalMs));
                result.Add(a.Clone());
            }
        }
        return result;
    }

    /// <summary>
    /// Restores the active-since time of pending alerts from <c>ALERTS_FOR_STATE</c> written before a restart, so an
    /// alert does not wait its whole <c>for</c> again: the time it had been pending still counts, the downtime does not.
    /// </summary>
    internal void RestoreForState(ISampleQueryable queryable, long tsMs, TimeSpan outageTolerance, TimeSpan gracePeriod)
    {
        try
        {
            if (For <= TimeSpan.Zero)
            {
                return;
            }
            long hold = (long)For.TotalMilliseconds;
            long grace = (long)gracePeriod.TotalMilliseconds;
            List<Alert> pending;
            lock (_lock)
            {
                pending = _active.Values.Where(a => a.State == AlertState.Pending).ToList();
            }
            if (pending.Count == 0)
            {
                return;
            }
            long mint = tsMs - (long)outageTolerance.TotalMilliseconds;
            using var querier = queryable.Querier(mint, tsMs - 1);
            foreach (var a in pending)
            {
                var matchers = new List<LabelMatcher> { LabelMatcher.MetricName(AlertForStateMetricName) };
                foreach (var l in a.Labels)
                {
                    matchers.Add(LabelMatcher.Equal(l.Name, l.Value));
                }
                var set = querier.Select(false, new SelectHints(mint, tsMs - 1), [.. matchers]);
                long lastT = long.MinValue;
                double lastV = double.NaN;
                var wanted = ForStateSeries(a.Labels);
                while (set.MoveNext())
                {
                    if (set.Current.Labels != wanted)
                    {
                        continue;
                    }
                    var it = set.Current.Iterator();
                    while (it.Next())
                    {
                        if (!StaleMarker.IsStaleNaN(it.V))
                        {
                            lastT = it.T;
                            lastV = it.V;
                        }
                    }
                }
                if (lastT == long.MinValue || double.IsNaN(lastV))
                {
                    continue;
                }
                long downAt = lastT;
                long restoredActiveAt = (long)Math.Round(lastV * 1000);
                long remaining = hold - (downAt - restoredActiveAt);
                if (remaining <= 0)
                {
                    // It had already been firing: keep the original active-since time; it fires at the next evaluation.
                }
                else if (remaining < grace)
                {
                    restoredActiveAt = tsMs + grace - hold;
                }
                else
                {
                    restoredActiveAt += tsMs - downAt;
                }
                lock (_lock)
                {
                    if (_active.TryGetValue(a.Labels, out var live) && live.State == AlertState.Pending)
                    {
                        live.ActiveAtMs = restoredActiveAt;
                    }
                }
            }
        }
        finally
        {
            _restored = true;
        }
    }

    /// <summary>Takes over the alerts of the same rule from before a reload.</summary>
    internal void CopyStateFrom(AlertingRule other)
    {
        lock (_lock)
        {
            foreach (var a in other.ActiveAlerts())
            {
                _active[a.Labels] = a;
            }
        }
        _restored = other.Restored;
        CopyStatusFrom(other);
    }
}
