using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Rules.Yaml;

/// <summary>Small questions about YAML nodes that every reader of Vigil's YAML files (configuration, rule files, rule unit tests) asks alike.</summary>
internal static class YamlNodes
{
    /// <summary>
    /// True for an explicit or implicit YAML null: an untagged (or <c>!!null</c>) plain scalar that is empty, <c>~</c> or
    /// <c>null</c> in any of YAML's spellings. A quoted or <c>!!str</c>-tagged empty value is a string, not null.
    /// </summary>
    public static bool IsNull(YamlNode node)
        => node is YamlScalarNode s && (s.Tag.IsEmpty || s.Tag.Value == "tag:yaml.org,2002:null") && s.Style is ScalarStyle.Plain or ScalarStyle.Any
           && s.Value is null or "" or "~" or "null" or "Null" or "NULL";
}
