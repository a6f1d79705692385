using Vigil.Core.Labels;
using Vigil.Collection.Relabel;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>Maps <c>relabel_configs</c> and <c>metric_relabel_configs</c> lists onto <see cref="RelabelConfig"/> steps, with Prometheus's checks.</summary>
internal static class RelabelConfigParser
{
    /// <summary>Parses a list of relabel steps.</summary>
    public static List<RelabelConfig> ParseList(ConfigReader r, ConfigEntry e)
    {
        var result = new List<RelabelConfig>();
        foreach (var (node, where) in r.Sequence(e))
        {
            if (ConfigReader.IsNull(node))
            {
                r.Error(node, $"empty or null relabeling rule in {where}");
                continue;
            }
            if (Parse(r, node, where) is { } c)
            {
                result.Add(c);
            }
        }
        return result;
    }

    private static RelabelConfig? Parse(ConfigReader r, YamlNode node, string where)
    {
        int errorsBefore = r.Errors.Count;
        var sourceLabels = new List<string>();
        bool sourceLabelsSet = false;
        string separator = RelabelConfig.DefaultSeparator;
        var regex = RelabelRegex.Default;
        bool regexSet = false;
        ulong modulus = 0;
        string targetLabel = string.Empty;
        string replacement = RelabelConfig.DefaultReplacement;
        var action = RelabelAction.Replace;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "source_labels":
                    sourceLabelsSet = !ConfigReader.IsNull(e.Value);
                    foreach (var (item, itemWhere) in r.Sequence(e))
                    {
                        if (r.ScalarItem(item, itemWhere, "a label name") is { } name)
                        {
                            if (!LabelValidation.IsValidName(name))
                            {
                                r.Invalid(e, item, $"\"{name}\" is not a valid label name");
                            }
                            sourceLabels.Add(name);
                        }
                    }
                    break;
                case "separator":
                    separator = r.String(e) ?? RelabelConfig.DefaultSeparator;
                    break;
                case "regex":
                    regexSet = true;
                    string pattern = r.String(e) ?? string.Empty;
                    if (RelabelRegex.TryParse(pattern, out var compiled, out string regexError))
                    {
                        regex = compiled;
                    }
                    else
                    {
                        r.Invalid(e, regexError);
                    }
                    break;
                case "modulus":
                    modulus = (ulong)(r.NonNegativeInteger(e) ?? 0);
                    break;
                case "target_label":
                    targetLabel = r.String(e) ?? string.Empty;
                    break;
                case "replacement":
                    replacement = r.String(e) ?? RelabelConfig.DefaultReplacement;
                    break;
                case "action":
                    string? text = r.String(e);
                    if (text is not null)
                    {
                        if (RelabelConfig.TryParseAction(text, out var parsed))
                        {
                            action = parsed;
                        }
                        else
                        {
                            r.Invalid(e, $"unknown relabel action \"{text}\" (use replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase or uppercase)");
                        }
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (r.Errors.Count != errorsBefore)
        {
            return null;
        }
        string? problem = RelabelConfig.Validate(action, sourceLabelsSet, separator, regexSet, modulus, targetLabel, replacement);
        if (problem is not null)
        {
            r.Error(node, $"{problem} in {where}");
            return null;
        }
        return new RelabelConfig
        {
            SourceLabels = sourceLabels,
            Separator = separator,
            Regex = regex,
            RegexIsDefault = !regexSet,
            Modulus = modulus,
            TargetLabel = targetLabel,
            Replacement = replacement,
            Action = action,
        };
    }
}
