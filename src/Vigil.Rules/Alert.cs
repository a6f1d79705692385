using Vigil.Core.Labels;

namespace Vigil.Rules;

/// <summary>One alert of an alerting rule: its labels, annotations, state and timestamps (milliseconds since the epoch).</summary>
/// <remarks>Rules hand out copies (<see cref="Clone"/>); a copy is not updated by later evaluations.</remarks>
public sealed class Alert
{
    /// <summary>The alert's labels, including <c>alertname</c>.</summary>
    public required LabelSet Labels { get; set; }

    /// <summary>The expanded annotations.</summary>
    public LabelSet Annotations { get; set; } = LabelSet.Empty;

    /// <summary>The current state.</summary>
    public AlertState State { get; set; }

    /// <summary>The value of the expression's sample at the last evaluation that returned it.</summary>
    public double Value { get; set; }

    /// <summary>When the alert became active (pending).</summary>
    public long ActiveAtMs { get; set; }

    /// <summary>When the alert started firing, or null.</summary>
    public long? FiredAtMs { get; set; }

    /// <summary>When the alert was resolved, or null.</summary>
    public long? ResolvedAtMs { get; set; }

    /// <summary>When the alert was last handed to the notifier, or null.</summary>
    public long? LastSentAtMs { get; set; }

    /// <summary>The end time sent with a firing alert, after which receivers consider it resolved.</summary>
    public long ValidUntilMs { get; set; }

    /// <summary>Since when the condition is gone while <c>keep_firing_for</c> keeps the alert firing, or null.</summary>
    public long? KeepFiringSinceMs { get; set; }

    /// <summary>A copy that later evaluations do not change.</summary>
    public Alert Clone() => (Alert)MemberwiseClone();

    /// <summary>Whether the notifier should get this alert now (firing and due for a resend, or newly resolved).</summary>
    internal bool NeedsSending(long tsMs, long resendDelayMs)
    {
        if (State == AlertState.Pending)
        {
            return false;
        }
        if (ResolvedAtMs is { } r && (LastSentAtMs is not { } s0 || r > s0))
        {
            return true;
        }
        return LastSentAtMs is not { } s || s + resendDelayMs < tsMs;
    }
}
