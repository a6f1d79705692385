using Vigil.Collection.Relabel;
using Vigil.Core.Labels;
using Vigil.Server.Config.Binding;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>
/// The keys of one relabel step (<c>relabel_configs</c>, <c>metric_relabel_configs</c>, <c>write_relabel_configs</c>),
/// declared onto <see cref="RelabelConfig"/>, with Prometheus's checks.
/// </summary>
internal static class RelabelSchema
{
    /// <summary>A step as read, with which keys were given (the checks depend on them).</summary>
    private sealed record Step
    {
        public List<string> SourceLabels { get; init; } = [];

        public bool SourceLabelsSet { get; init; }

        public string Separator { get; init; } = RelabelConfig.DefaultSeparator;

        public RelabelRegex Regex { get; init; } = RelabelRegex.Default;

        public bool RegexSet { get; init; }

        public ulong Modulus { get; init; }

        public string TargetLabel { get; init; } = string.Empty;

        public string Replacement { get; init; } = RelabelConfig.DefaultReplacement;

        public RelabelAction Action { get; init; } = RelabelAction.Replace;
    }

    private static readonly ConfigSchema<Step> Keys = new ConfigSchema<Step>()
        .Custom("source_labels", (r, e, o) =>
        {
            var names = new List<string>();
            foreach (var (item, itemWhere) in r.Sequence(e))
            {
                if (r.ScalarItem(item, itemWhere, "a label name") is { } name)
                {
                    if (!LabelValidation.IsValidName(name))
                    {
                        r.Invalid(e, item, $"\"{name}\" is not a valid label name");
                    }
                    names.Add(name);
                }
            }
            return o with { SourceLabels = names, SourceLabelsSet = !ConfigReader.IsNull(e.Value) };
        })
        .Custom("separator", (r, e, o) => o with { Separator = r.String(e) ?? RelabelConfig.DefaultSeparator })
        .Custom("regex", (r, e, o) =>
        {
            if (RelabelRegex.TryParse(r.String(e) ?? string.Empty, out var compiled, out string regexError))
            {
                return o with { Regex = compiled, RegexSet = true };
            }
            r.Invalid(e, regexError);
            return o with { RegexSet = true };
        })
        .Custom("modulus", (r, e, o) => o with { Modulus = (ulong)(r.NonNegativeInteger(e) ?? 0) })
        .Custom("target_label", (r, e, o) => o with { TargetLabel = r.String(e) ?? string.Empty })
        .Custom("replacement", (r, e, o) => o with { Replacement = r.String(e) ?? RelabelConfig.DefaultReplacement })
        .Custom("action", (r, e, o) =>
        {
            if (r.String(e) is not { } text)
            {
                return null;
            }
            if (RelabelConfig.TryParseAction(text, out var action))
            {
                return o with { Action = action };
            }
            r.Invalid(e, $"unknown relabel action \"{text}\" (use replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase or uppercase)");
            return null;
        });

    /// <summary>A list of relabel steps; a step with problems is left out (the problems are recorded).</summary>
    public static readonly ConfigValue<List<RelabelConfig>> Steps = ConfigValues.ListOf<RelabelConfig>(Item);

    /// <summary>Parses a list of relabel steps.</summary>
    public static List<RelabelConfig> ParseList(ConfigReader r, ConfigEntry e)
    {
        Steps(r, e, out var steps);
        return steps;
    }

    private static bool Item(ConfigReader r, YamlNode node, string where, out RelabelConfig value)
    {
        value = null!;
        if (ConfigReader.IsNull(node))
        {
            r.Error(node, $"empty or null relabeling rule in {where}");
            return false;
        }
        int errorsBefore = r.Errors.Count;
        var s = Keys.Bind(r, node, where, new Step())!;
        if (r.Errors.Count != errorsBefore)
        {
            return false;
        }
        if (RelabelConfig.Validate(s.Action, s.SourceLabelsSet, s.Separator, s.RegexSet, s.Modulus, s.TargetLabel, s.Replacement) is { } problem)
        {
            r.Error(node, $"{problem} in {where}");
            return false;
        }
        value = new RelabelConfig
        {
            SourceLabels = s.SourceLabels,
            Separator = s.Separator,
            Regex = s.Regex,
            RegexIsDefault = !s.RegexSet,
            Modulus = s.Modulus,
            TargetLabel = s.TargetLabel,
            Replacement = s.Replacement,
            Action = s.Action,
        };
        return true;
    }
}
