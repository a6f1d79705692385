using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config.Binding;

/// <summary>
/// Reads the value of one mapping entry: true with the value, false when there is none (a YAML null) or it is invalid,
/// in which case the problem is already recorded in <paramref name="r"/> at the entry's position.
/// </summary>
internal delegate bool ConfigValue<T>(ConfigReader r, ConfigEntry e, out T value);

/// <summary>
/// Reads one list item (or a whole mapping) found at <paramref name="node"/>, whose document path is <paramref name="where"/>:
/// true with the value, false when there is none or it is invalid (the problem is recorded in <paramref name="r"/>).
/// </summary>
internal delegate bool ConfigItem<T>(ConfigReader r, YamlNode node, string where, out T value);
