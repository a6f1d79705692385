using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Core.Labels;

namespace Vigil.Collection.Relabel;

/// <summary>One step of <c>relabel_configs</c> or <c>metric_relabel_configs</c>, with Prometheus's defaults and checks.</summary>
/// <remarks>Thread-safe (immutable). <see cref="Relabeler"/> applies a list of steps to a label set.</remarks>
public sealed partial class RelabelConfig
{
    /// <summary>The default separator between source label values.</summary>
    public const string DefaultSeparator = ";";

    /// <summary>The default replacement: the first group.</summary>
    public const string DefaultReplacement = "$1";

    /// <summary>Labels whose values are joined with <see cref="Separator"/> into the source value.</summary>
    public IReadOnlyList<string> SourceLabels { get; init; } = [];

    /// <summary>Placed between the values of <see cref="SourceLabels"/>; <c>;</c> by default.</summary>
    public string Separator { get; init; } = DefaultSeparator;

    /// <summary>Matched against the whole source value (or label names for the label* actions); <c>(.*)</c> by default.</summary>
    public RelabelRegex Regex { get; init; } = RelabelRegex.Default;

    /// <summary>True when the file set <c>regex</c> (Prometheus's fast path for <c>replace</c> applies only to the default).</summary>
    public bool RegexIsDefault { get; init; } = true;

    /// <summary>The divisor for <see cref="RelabelAction.HashMod"/>.</summary>
    public ulong Modulus { get; init; }

    /// <summary>The label written by replace, hashmod, lowercase and uppercase, or compared by keepequal/dropequal.</summary>
    public string TargetLabel { get; init; } = string.Empty;

    /// <summary>The value template for replace (and the name template for labelmap); <c>$1</c> by default.</summary>
    public string Replacement { get; init; } = DefaultReplacement;

    /// <summary>What the step does; <see cref="RelabelAction.Replace"/> by default.</summary>
    public RelabelAction Action { get; init; } = RelabelAction.Replace;

    /// <summary>Prometheus's check for a target label or labelmap replacement that uses <c>$</c> references.</summary>
    [GeneratedRegex(@"^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$", RegexOptions.CultureInvariant)]
    private static partial Regex RelabelTargetPattern();

    /// <summary>Parses an action name case-insensitively, as Prometheus does.</summary>
    public static bool TryParseAction(string text, out RelabelAction action)
    {
        action = text.ToLowerInvariant() switch
        {
            "replace" => RelabelAction.Replace,
            "keep" => RelabelAction.Keep,
            "drop" => RelabelAction.Drop,
            "keepequal" => RelabelAction.KeepEqual,
            "dropequal" => RelabelAction.DropEqual,
            "hashmod" => RelabelAction.HashMod,
            "labelmap" => RelabelAction.LabelMap,
            "labeldrop" => RelabelAction.LabelDrop,
            "labelkeep" => RelabelAction.LabelKeep,
            "lowercase" => RelabelAction.Lowercase,
            "uppercase" => RelabelAction.Uppercase,
            _ => (RelabelAction)(-1),
        };
        return Enum.IsDefined(action);
    }

    /// <summary>The action's name as written in configuration files.</summary>
    public static string ActionName(RelabelAction action) => action.ToString().ToLowerInvariant();

    /// <summary>Prometheus's checks of one step's fields together; the problem, or null when the step is valid.</summary>
    internal static string? Validate(RelabelAction action, bool sourceLabelsSet, string separator, bool regexSet, ulong modulus,
        string targetLabel, string replacement)
    {
        string name = ActionName(action);
        if (modulus == 0 && action == RelabelAction.HashMod)
        {
            return "relabel configuration for hashmod requires non-zero modulus";
        }
        if (action is RelabelAction.Replace or RelabelAction.HashMod or RelabelAction.Lowercase or RelabelAction.Uppercase
                or RelabelAction.KeepEqual or RelabelAction.DropEqual && targetLabel.Length == 0)
        {
            return $"relabel configuration for {name} action requires 'target_label' value";
        }
        bool hasReference = targetLabel.Contains('$', StringComparison.Ordinal);
        if (action == RelabelAction.Replace && !hasReference && !LabelValidation.IsValidName(targetLabel))
        {
            return $"\"{targetLabel}\" is invalid 'target_label' for {name} action";
        }
        if (action == RelabelAction.Replace && hasReference && !RelabelTargetPattern().IsMatch(targetLabel))
        {
            return $"\"{targetLabel}\" is invalid 'target_label' for {name} action";
        }
        // Note: these actions do not expand templates, so a '$' in the target label is a mistake even though UTF-8 names allow it.
        if (action is RelabelAction.Lowercase or RelabelAction.Uppercase or RelabelAction.KeepEqual or RelabelAction.DropEqual or RelabelAction.HashMod
            && (!LabelValidation.IsValidName(targetLabel) || hasReference))
        {
            return $"\"{targetLabel}\" is invalid 'target_label' for {name} action";
        }
        if (action is RelabelAction.Lowercase or RelabelAction.Uppercase or RelabelAction.KeepEqual or RelabelAction.DropEqual
            && replacement != DefaultReplacement)
        {
            return $"'replacement' can not be set for {name} action";
        }
        if (action == RelabelAction.LabelMap && !RelabelTargetPattern().IsMatch(replacement))
        {
            return $"\"{replacement}\" is invalid 'replacement' for {name} action";
        }
        if (action is RelabelAction.KeepEqual or RelabelAction.DropEqual
            && (regexSet || modulus != 0 || separator != DefaultSeparator || replacement != DefaultReplacement))
        {
            return $"{name} action requires only 'source_labels' and `target_label`, and no other fields";
        }
        if (action is RelabelAction.LabelDrop or RelabelAction.LabelKeep
            && (sourceLabelsSet || targetLabel.Length != 0 || modulus != 0 || separator != DefaultSeparator || replacement != DefaultReplacement))
        {
            return $"{name} action requires only 'regex', and no other fields";
        }
        return null;
    }

    /// <inheritdoc />
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture,
            $"{{action: {ActionName(Action)}, source_labels: [{string.Join(", ", SourceLabels)}], regex: {Regex.Pattern}, target_label: {TargetLabel}, replacement: {Replacement}}}");
}
