using Vigil.Analysis.Insights;
using Vigil.Core.Labels;
using Vigil.Optimizer.Decider.Levers;
using Vigil.Optimizer.Model;
using Vigil.Rules.Notifier;

namespace Vigil.Server.Composition;

/// <summary>
/// Turns the lever decider's verdicts into what people see: an insight "objective out of reach of automatic levers"
/// (engine <c>optimizer</c>, type <see cref="InsightType.ObjectiveOutOfReach"/>) in the analysis, and a notification
/// (alert <c>ObjectiveOutOfReach</c>) through the configured Alertmanagers and webhooks, resolved when the verdict ends.
/// </summary>
/// <remarks>Called by the optimizer after each pass over its objectives, on its loop; not thread-safe beyond that.</remarks>
internal sealed class ObjectiveVerdicts(Func<AnalysisService?> analysis, Func<NotificationManager?> notifier, Func<TimeSpan> interval, TimeProvider clock)
{
    /// <summary>The engine of the insights.</summary>
    public const string Engine = "optimizer";

    /// <summary>The alert name of the notifications.</summary>
    public const string AlertName = "ObjectiveOutOfReach";

    private readonly Dictionary<string, NotificationAlert> _firing = new(StringComparer.Ordinal);

    /// <summary>Raises, updates or resolves the insights and notifications for <paramref name="statuses"/>.</summary>
    public void Apply(IReadOnlyList<ObjectiveStatus> statuses)
    {
        var now = clock.GetUtcNow();
        var stuck = statuses.Where(s => s.Verdict is LeverVerdict.OutOfReach or LeverVerdict.Converged).ToList();
        analysis()?.Store.Apply(Engine, stuck.Select(Finding).ToList());
        var send = new List<NotificationAlert>();
        var still = new HashSet<string>(StringComparer.Ordinal);
        // Note: valid for several passes, so a slow pass does not resolve it; resent every pass while the verdict stands.
        var validity = TimeSpan.FromTicks(Math.Max(interval().Ticks * 4, TimeSpan.FromMinutes(1).Ticks));
        foreach (var s in stuck.Where(s => s.Verdict == LeverVerdict.OutOfReach))
        {
            still.Add(s.Name);
            var alert = new NotificationAlert(
                LabelSet.Of("alertname", AlertName, "objective", s.Name, "severity", "warning"),
                LabelSet.Of("summary", $"objective {s.Name} is out of reach of automatic levers", "description", Description(s)),
                s.VerdictSince ?? now, now + validity, NotificationAlert.ExploreUrl(notifier()?.Options.ExternalUrl ?? string.Empty, s.Query));
            _firing[s.Name] = alert;
            send.Add(alert);
        }
        foreach (var gone in _firing.Keys.Where(k => !still.Contains(k)).ToList())
        {
            send.Add(_firing[gone] with { EndsAt = now });
            _firing.Remove(gone);
        }
        notifier()?.Send(send);
    }

    /// <summary>The insight's text: the verdict with what was tried and its evidence, then what is left to a person.</summary>
    public static string Description(ObjectiveStatus s)
        => (s.Reason ?? s.Detail) + (s.Escalations.Count > 0 ? "; escalated: " + string.Join("; ", s.Escalations) : string.Empty);

    private static Finding Finding(ObjectiveStatus s)
    {
        var evidence = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["trials"] = s.Tried.Count,
            ["kept"] = s.Tried.Count(t => t.Kept),
            ["epoch"] = s.Epoch,
        };
        if (s.Value is { } v)
        {
            evidence["value"] = v;
        }
        if (s.Threshold is { } th)
        {
            evidence["threshold"] = th;
        }
        var recommendations = s.Escalations.Select((e, i) => new OptimizationRecommendation
        {
            Type = OptimizationActionType.ConfigurationUpdate,
            Description = e,
            Priority = s.Escalations.Count - i,
        }).ToList();
        return new Finding(
            "objective/" + s.Name,
            InsightType.ObjectiveOutOfReach,
            s.Verdict == LeverVerdict.OutOfReach ? InsightSeverity.High : InsightSeverity.Low,
            s.Verdict == LeverVerdict.OutOfReach
                ? Description(s)
                : $"objective {s.Name} converged without a threshold: {Description(s)}",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["objective"] = s.Name, ["verdict"] = s.Verdict.ToString()!.ToLowerInvariant() },
            [],
            1,
            evidence,
            recommendations,
            [new EvidenceQuery(s.Target, s.Query)]);
    }
}
