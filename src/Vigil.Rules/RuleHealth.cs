namespace Vigil.Rules;

/// <summary>The outcome of a rule's last evaluation, as <c>/api/v1/rules</c> reports it.</summary>
public enum RuleHealth
{
    /// <summary>Not evaluated yet.</summary>
    Unknown,

    /// <summary>The last evaluation succeeded.</summary>
    Ok,

    /// <summary>The last evaluation failed; see the rule's last error.</summary>
    Err,
}
