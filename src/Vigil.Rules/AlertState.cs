namespace Vigil.Rules;

/// <summary>The state of an alert: inactive (resolved or never active), pending (waiting for <c>for</c>) or firing.</summary>
public enum AlertState
{
    /// <summary>Not active; a resolved alert stays inactive for 15 minutes so its resolution is sent.</summary>
    Inactive,

    /// <summary>Active for less than the rule's <c>for</c> duration.</summary>
    Pending,

    /// <summary>Active for at least the rule's <c>for</c> duration (or kept firing by <c>keep_firing_for</c>).</summary>
    Firing,
}
