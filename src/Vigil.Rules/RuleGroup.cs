using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.Rules;

/// <summary>
/// A group of rules evaluated in order on one interval. Results are appended to storage in one batch per rule;
/// series a rule returned at the previous evaluation but not at this one get a staleness marker.
/// </summary>
/// <remarks>
/// Evaluations of one group never overlap (the manager runs one loop per group); the status members may be read from
/// any thread. Timestamps are milliseconds since the epoch.
/// </remarks>
public sealed class RuleGroup
{
    private readonly object _statusLock = new();
    private readonly HashSet<LabelSet>[] _previousSeries;
    private long? _lastEvaluationMs;
    private TimeSpan _evaluationDuration;

    /// <summary>Creates a group from built rules.</summary>
    public RuleGroup(string name, string file, TimeSpan interval, TimeSpan queryOffset, int limit, IReadOnlyList<Rule> rules)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "the evaluation interval must be positive");
        }
        Name = name;
        File = file;
        Interval = interval;
        QueryOffset = queryOffset;
        Limit = limit;
        Rules = rules;
        _previousSeries = new HashSet<LabelSet>[rules.Count];
        for (int i = 0; i < rules.Count; i++)
        {
            _previousSeries[i] = new HashSet<LabelSet>();
        }
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>The file the group came from.</summary>
    public string File { get; }

    /// <summary>The evaluation interval.</summary>
    public TimeSpan Interval { get; }

    /// <summary>How far in the past the rules query (and their results are stored).</summary>
    public TimeSpan QueryOffset { get; }

    /// <summary>The maximum number of series or alerts per rule; 0 is unlimited.</summary>
    public int Limit { get; }

    /// <summary>The rules in evaluation order.</summary>
    public IReadOnlyList<Rule> Rules { get; }

    /// <summary>When the group was last evaluated (the evaluation timestamp), or null.</summary>
    public long? LastEvaluationMs
    {
        get
        {
            lock (_statusLock)
            {
                return _lastEvaluationMs;
            }
        }
    }

    /// <summary>How long the last evaluation took.</summary>
    public TimeSpan EvaluationDuration
    {
        get
        {
            lock (_statusLock)
            {
                return _evaluationDuration;
            }
        }
    }

    /// <summary>Identity across reloads: file and name.</summary>
    internal string Key => File + "\0" + Name;

    /// <summary>
    /// The evaluation slot at or before <paramref name="nowMs"/>: slots are <see cref="Interval"/> apart, shifted by a
    /// stable per-group offset (a hash of file and name) so that groups do not all evaluate at the same instant.
    /// </summary>
    public long EvalTimestamp(long nowMs)
    {
        long interval = (long)Interval.TotalMilliseconds;
        long offset = (long)(StableHash(File, Name) % (ulong)interval);
        long adjusted = nowMs - offset;
        long basis = adjusted - Mod(adjusted, interval);
        return basis + offset;
    }

    private static long Mod(long a, long m)
    {
        long r = a % m;
        return r < 0 ? r + m : r;
    }

    private static ulong StableHash(string file, string name)
    {
        // FNV-1a over the UTF-16 code units: stable across processes, unlike string.GetHashCode.
        ulong h = 14695981039346656037UL;
        foreach (char c in file)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        h = (h ^ 0xff) * 1099511628211UL;
        foreach (char c in name)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        return h;
    }

    /// <summary>Evaluates every rule at <paramref name="tsMs"/>, stores the results and hands due alerts to the context's notifier.</summary>
    internal void Evaluate(RuleGroupContext ctx, long tsMs, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        long offsetMs = (long)QueryOffset.TotalMilliseconds;
        var groupTag = new KeyValuePair<string, object?>("rule_group", File + ";" + Name);
        for (int i = 0; i < Rules.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var rule = Rules[i];
            long ruleStart = Stopwatch.GetTimestamp();
            ctx.Metrics?.Evaluations.Add(1, groupTag);
            List<LabeledSample> samples;
            try
            {
                samples = rule.Eval(ctx.Rules, tsMs, offsetMs, Limit, ct);
            }
            catch (PromQLException e)
            {
                rule.SetStatus(RuleHealth.Err, e.Message, tsMs, Stopwatch.GetElapsedTime(ruleStart));
                ctx.Metrics?.Failures.Add(1, groupTag);
                ctx.Logger.LogWarning("Evaluating rule {Rule} of group {Group} failed: {Error}", rule.Name, Name, e.Message);
                continue;
            }
            try
            {
                Store(ctx, i, samples, tsMs - offsetMs, groupTag);
                rule.SetStatus(RuleHealth.Ok, null, tsMs, Stopwatch.GetElapsedTime(ruleStart));
            }
            catch (StorageException e)
            {
                rule.SetStatus(RuleHealth.Err, "storing the results: " + e.Message, tsMs, Stopwatch.GetElapsedTime(ruleStart));
                ctx.Metrics?.Failures.Add(1, groupTag);
                ctx.Logger.LogWarning("Storing the results of rule {Rule} of group {Group} failed: {Error}", rule.Name, Name, e.Message);
            }
            if (rule is AlertingRule ar && ctx.Notify is not null)
            {
                var due = ar.AlertsToSend(tsMs, (long)ctx.ResendDelay.TotalMilliseconds, (long)Interval.TotalMilliseconds);
                if (due.Count > 0)
                {
                    ctx.Notify(ar, due);
                }
            }
        }
        var took = Stopwatch.GetElapsedTime(start);
        lock (_statusLock)
        {
            _lastEvaluationMs = tsMs;
            _evaluationDuration = took;
        }
        ctx.Metrics?.EvaluationDuration.Record(took.TotalSeconds, groupTag);
    }

    private void Store(RuleGroupContext ctx, int ruleIndex, List<LabeledSample> samples, long staleTs, KeyValuePair<string, object?> groupTag)
    {
        var previous = _previousSeries[ruleIndex];
        var current = new HashSet<LabelSet>(samples.Count);
        var app = ctx.Appendable.Appender();
        bool done = false;
        try
        {
            foreach (var s in samples)
            {
                current.Add(s.Labels);
                var sref = SeriesRef.None;
                if (!app.TryAppend(ref sref, s.Labels, s.T, s.V, out var error))
                {
                    ctx.Metrics?.SamplesRefused.Add(1, groupTag, new("reason", error.ToString()));
                    ctx.Logger.LogDebug("Rule result {Series} at {Time} refused: {Reason}", s.Labels, s.T, error);
                }
            }
            foreach (var gone in previous)
            {
                if (!current.Contains(gone))
                {
                    var sref = SeriesRef.None;
                    // Note: a refused marker (the series has a newer sample) is harmless; nothing to count.
                    app.TryAppend(ref sref, gone, staleTs, StaleMarker.StaleNaN, out _);
                }
            }
            app.Commit();
            done = true;
        }
        finally
        {
            if (!done)
            {
                app.Rollback();
            }
        }
        _previousSeries[ruleIndex] = current;
    }

    /// <summary>Writes staleness markers for everything the group's rules wrote at their last evaluation (the group is going away).</summary>
    internal void MarkStale(IAppendable appendable, long tsMs)
    {
        var app = appendable.Appender();
        bool done = false;
        try
        {
            foreach (var set in _previousSeries)
            {
                foreach (var labels in set)
                {
                    var sref = SeriesRef.None;
                    app.TryAppend(ref sref, labels, tsMs, StaleMarker.StaleNaN, out _);
                }
                set.Clear();
            }
            app.Commit();
            done = true;
        }
        finally
        {
            if (!done)
            {
                app.Rollback();
            }
        }
    }

    /// <summary>Takes over the state of matching rules (same kind, name, labels and expression) of the group it replaces.</summary>
    internal void CopyStateFrom(RuleGroup old)
    {
        var byIdentity = new Dictionary<string, Queue<int>>(StringComparer.Ordinal);
        for (int i = 0; i < old.Rules.Count; i++)
        {
            string id = old.Rules[i].Identity;
            if (!byIdentity.TryGetValue(id, out var q))
            {
                byIdentity[id] = q = new Queue<int>();
            }
            q.Enqueue(i);
        }
        var taken = new bool[old.Rules.Count];
        for (int i = 0; i < Rules.Count; i++)
        {
            if (!byIdentity.TryGetValue(Rules[i].Identity, out var q) || q.Count == 0)
            {
                continue;
            }
            int j = q.Dequeue();
            taken[j] = true;
            _previousSeries[i] = new HashSet<LabelSet>(old._previousSeries[j]);
            if (Rules[i] is AlertingRule ar && old.Rules[j] is AlertingRule oldAr)
            {
                ar.CopyStateFrom(oldAr);
            }
            else
            {
                Rules[i].CopyStatusFrom(old.Rules[j]);
            }
        }
        // Series of rules that no longer exist are handed over so the next evaluation marks them stale.
        var orphans = new HashSet<LabelSet>();
        for (int j = 0; j < old.Rules.Count; j++)
        {
            if (!taken[j])
            {
                orphans.UnionWith(old._previousSeries[j]);
            }
        }
        if (orphans.Count > 0 && Rules.Count > 0)
        {
            _previousSeries[0].UnionWith(orphans);
        }
        lock (_statusLock)
        {
            _lastEvaluationMs = old.LastEvaluationMs;
            _evaluationDuration = old.EvaluationDuration;
        }
    }
}
