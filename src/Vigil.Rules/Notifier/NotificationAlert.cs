using Vigil.Core.Labels;

namespace Vigil.Rules.Notifier;

/// <summary>An alert as sent to Alertmanager and webhooks: labels, annotations, start, end and the link to its expression.</summary>
/// <param name="Labels">The alert's labels (external labels added).</param>
/// <param name="Annotations">The expanded annotations.</param>
/// <param name="StartsAt">When it started firing.</param>
/// <param name="EndsAt">When it resolved, or until when a firing alert is valid without a resend.</param>
/// <param name="GeneratorUrl">A link that opens the expression in the dashboard's Explore page.</param>
public sealed record NotificationAlert(LabelSet Labels, LabelSet Annotations, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string GeneratorUrl)
{
    /// <summary>True when the alert is resolved at <paramref name="now"/> (its end time has passed).</summary>
    public bool IsResolvedAt(DateTimeOffset now) => EndsAt <= now;

    /// <summary>Converts a rule's alert: starts when it fired, ends when resolved or at its validity limit.</summary>
    public static NotificationAlert FromRule(AlertingRule rule, Alert alert, string externalUrl)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(alert);
        var starts = DateTimeOffset.FromUnixTimeMilliseconds(alert.FiredAtMs ?? alert.ActiveAtMs);
        var ends = DateTimeOffset.FromUnixTimeMilliseconds(alert.ResolvedAtMs ?? alert.ValidUntilMs);
        string url = ExploreUrl(externalUrl, rule.Expr);
        return new NotificationAlert(alert.Labels, alert.Annotations, starts, ends, url);
    }

    /// <summary>The dashboard's Explore page showing <paramref name="expr"/> as a table (what Prometheus's alert links open).</summary>
    public static string ExploreUrl(string externalUrl, string expr)
        => externalUrl.TrimEnd('/') + "/explore?expr=" + Uri.EscapeDataString(expr) + "&tab=table";
}
