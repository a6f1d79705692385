using System.Text;
using System.Text.Json;
using Vigil.Collection.Discovery;
using Vigil.Collection.Scrape;
using Vigil.Core.Config;
using Vigil.Core.Labels;
using Vigil.Rules.Yaml;
using Vigil.Server.Config.Binding;

namespace Vigil.Server.Config;

/// <summary>
/// Reads a file of Prometheus's file-based service discovery: a JSON or YAML list of
/// <c>{targets: [host:port, ...], labels: {name: value}}</c>, strictly (unknown keys are errors, as in Prometheus).
/// </summary>
/// <remarks>Every group gets the <c>__meta_filepath</c> label. Errors name the file, line and column. Stateless.</remarks>
internal static class FileSdParser
{
    /// <summary>The discovery label holding the file a group came from.</summary>
    public const string FilePathLabel = "__meta_filepath";

    /// <summary>Reads and parses <paramref name="path"/> (JSON for <c>.json</c>, YAML otherwise); throws <see cref="ConfigException"/>.</summary>
    public static List<TargetGroup> ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new ConfigError(path, 0, 0, "cannot read the file: " + e.Message)]);
        }
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ParseJson(bytes, path) : ParseYaml(Encoding.UTF8.GetString(bytes), path);
    }

    /// <summary>A group of a YAML file as read.</summary>
    private sealed record YamlGroup(List<LabelSet> Targets, List<Label> Labels);

    private static readonly ConfigSchema<YamlGroup> GroupKeys = new ConfigSchema<YamlGroup>()
        .Custom("targets", (r, e, o) => o with { Targets = [.. o.Targets, .. r.StringList(e).Select(t => LabelSet.Of(TargetLabelNames.Address, t))] })
        .Custom("labels", (r, e, o) =>
        {
            var labels = new List<Label>(o.Labels);
            foreach (var (name, value, item) in r.StringMap(e))
            {
                if (!LabelValidation.IsValidName(name))
                {
                    r.Error(item.KeyNode, $"\"{name}\" is not a valid label name in {e.Path}");
                }
                else if (value.Length != 0)
                {
                    labels.Add(new Label(name, value));
                }
            }
            return o with { Labels = labels };
        });

    /// <summary>Parses a YAML file's text; throws <see cref="ConfigException"/> with every problem.</summary>
    public static List<TargetGroup> ParseYaml(string text, string path)
    {
        var r = new ConfigReader(path, Path.GetDirectoryName(path) ?? ".");
        if (!SafeYaml.TryLoad(text, out var stream, out var syntax))
        {
            r.Errors.Add(new ConfigError(path, syntax.Line, syntax.Column, "invalid YAML: " + syntax.Message));
            throw new ConfigException(r.Errors);
        }
        var groups = new List<TargetGroup>();
        if (stream.Documents.Count == 0)
        {
            return groups;
        }
        foreach (var (node, where) in r.Sequence(stream.Documents[0].RootNode, "target groups"))
        {
            var g = GroupKeys.Bind(r, node, where, new YamlGroup([], []))!;
            groups.Add(Group(path, groups.Count, g.Targets, g.Labels));
        }
        if (r.Errors.Count > 0)
        {
            throw new ConfigException(r.Errors);
        }
        return groups;
    }

    public static List<TargetGroup> ParseJson(ReadOnlySpan<byte> json, string path)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        var groups = new List<TargetGroup>();
        try
        {
            Read(ref reader, json, path);
            if (reader.TokenType == JsonTokenType.Null)
            {
                return groups;
            }
            Expect(ref reader, json, path, JsonTokenType.StartArray, "a list of target groups");
            while (Read(ref reader, json, path) != JsonTokenType.EndArray)
            {
                Expect(ref reader, json, path, JsonTokenType.StartObject, "a target group object {\"targets\": [...], \"labels\": {...}}");
                var targets = new List<LabelSet>();
                var labels = new List<Label>();
                while (Read(ref reader, json, path) != JsonTokenType.EndObject)
                {
                    string key = reader.GetString()!;
                    long keyAt = reader.TokenStartIndex;
                    Read(ref reader, json, path);
                    switch (key)
                    {
                        case "targets":
                            if (reader.TokenType == JsonTokenType.Null)
                            {
                                break;
                            }
                            Expect(ref reader, json, path, JsonTokenType.StartArray, "a list of \"host:port\" strings");
                            while (Read(ref reader, json, path) != JsonTokenType.EndArray)
                            {
                                Expect(ref reader, json, path, JsonTokenType.String, "a \"host:port\" string");
                                targets.Add(LabelSet.Of(TargetLabelNames.Address, reader.GetString()!));
                            }
                            break;
                        case "labels":
                            if (reader.TokenType == JsonTokenType.Null)
                            {
                                break;
                            }
                            Expect(ref reader, json, path, JsonTokenType.StartObject, "an object of label names to values");
                            while (Read(ref reader, json, path) != JsonTokenType.EndObject)
                            {
                                string name = reader.GetString()!;
                                long nameAt = reader.TokenStartIndex;
                                Read(ref reader, json, path);
                                Expect(ref reader, json, path, JsonTokenType.String, "a string label value");
                                if (!LabelValidation.IsValidName(name))
                                {
                                    throw Error(json, path, nameAt, $"\"{name}\" is not a valid label name");
                                }
                                string value = reader.GetString()!;
                                if (value.Length != 0)
                                {
                                    labels.Add(new Label(name, value));
                                }
                            }
                            break;
                        default:
                            throw Error(json, path, keyAt, $"unknown key \"{key}\" in target group {groups.Count}");
                    }
                }
                groups.Add(Group(path, groups.Count, targets, labels));
            }
            if (reader.Read())
            {
                throw Error(json, path, reader.TokenStartIndex, "unexpected content after the list of target groups");
            }
        }
        catch (JsonException e)
        {
            int line = (int)(e.LineNumber ?? 0) + 1;
            int column = (int)(e.BytePositionInLine ?? 0) + 1;
            throw new ConfigException([new ConfigError(path, line, column, "invalid JSON: " + TrimJsonPosition(e.Message))]);
        }
        catch (InvalidOperationException)
        {
            // Note: the reader validates string contents only when they are read: invalid UTF-8 or a lone surrogate escape.
            throw Error(json, path, reader.TokenStartIndex, "invalid JSON: a string holds invalid UTF-8 or a lone surrogate escape (\\ud800)");
        }
        return groups;
    }

    private static TargetGroup Group(string path, int index, List<LabelSet> targets, List<Label> labels)
    {
        labels.RemoveAll(l => l.Name == FilePathLabel);
        labels.Add(new Label(FilePathLabel, path));
        return new TargetGroup(path + ":" + index.ToString(System.Globalization.CultureInfo.InvariantCulture), targets, LabelSet.From(labels));
    }

    private static JsonTokenType Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, string path)
    {
        if (!reader.Read())
        {
            throw Error(json, path, json.Length, "unexpected end of the file");
        }
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, string path, JsonTokenType type, string what)
    {
        if (reader.TokenType != type)
        {
            throw Error(json, path, reader.TokenStartIndex, $"expected {what}, got {reader.TokenType}");
        }
    }

    private static ConfigException Error(ReadOnlySpan<byte> json, string path, long offset, string message)
    {
        var before = json[..(int)Math.Min(offset, json.Length)];
        int line = before.Count((byte)'\n') + 1;
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        int column = Encoding.UTF8.GetCharCount(before[lineStart..]) + 1;
        return new ConfigException([new ConfigError(path, line, column, message)]);
    }

    private static string TrimJsonPosition(string message)
    {
        int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at > 0 ? message[..at].TrimEnd('.', ' ') : message;
    }
}
