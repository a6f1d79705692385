using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>One key of a YAML mapping with its value and the document path of the mapping it is in.</summary>
internal readonly record struct ConfigEntry(string Key, YamlScalarNode KeyNode, YamlNode Value, string Where)
{
    /// <summary>The document path of the value: <c>Where.Key</c>.</summary>
    public string Path => ConfigReader.Path(Where, Key);
}
