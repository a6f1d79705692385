using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.PromQL.Parser;
using Vigil.PromQL.Templates;
using Vigil.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Vigil.Rules;

/// <summary>
/// Reads rule files in Prometheus's format (<c>groups:</c> with <c>name</c>, <c>interval</c>, <c>query_offset</c>,
/// <c>limit</c>, <c>labels</c>, <c>rules</c>) strictly: unknown keys, bad values, invalid PromQL, invalid names and
/// template syntax errors are reported with file, line and column, the way <c>promtool check rules</c> does.
/// </summary>
/// <remarks>Thread-safe (stateless).</remarks>
public static class RuleFileParser
{
    private static readonly string[] GroupKeys = ["name", "interval", "query_offset", "limit", "labels", "rules"];
    private static readonly string[] RuleKeys = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];

    /// <summary>Reads and parses one file; an unreadable file is one error without a group.</summary>
    public static RuleFileParseResult ParseFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new RuleFileParseResult([], [new RuleFileError(path, 0, 0, null, e.Message)]);
        }
        return Parse(text, path);
    }

    /// <summary>Parses rule file text; <paramref name="fileName"/> names the source in errors and in the groups.</summary>
    public static RuleFileParseResult Parse(string text, string fileName)
    {
        var errors = new List<RuleFileError>();
        var groups = new List<RuleGroupSpec>();
        if (!SafeYaml.TryLoad(text, out var stream, out var syntax))
        {
            errors.Add(new RuleFileError(fileName, syntax.Line, syntax.Column, null, "YAML syntax error: " + syntax.Message));
            return new RuleFileParseResult(groups, errors);
        }
        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            return new RuleFileParseResult(groups, errors);
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            errors.Add(Err(fileName, second, null, "a rule file holds one YAML document; found another here"));
        }
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode rootMap)
        {
            errors.Add(Err(fileName, root, null, "expected a mapping with the key 'groups', got " + Describe(root)));
            return new RuleFileParseResult(groups, errors);
        }
        YamlNode? groupsNode = null;
        foreach (var (k, v) in rootMap.Children)
        {
            string key = KeyName(k);
            if (key == "groups")
            {
                groupsNode = v;
            }
            else
            {
                errors.Add(Err(fileName, k, null, $"field \"{key}\" not found in a rule file (expected: groups)"));
            }
        }
        if (errors.Count > 0)
        {
            // Note: an unknown top-level key is a file-level error: the file is not what it claims to be.
            return new RuleFileParseResult(groups, errors);
        }
        if (groupsNode is null || IsNull(groupsNode))
        {
            return new RuleFileParseResult(groups, errors);
        }
        if (groupsNode is not YamlSequenceNode groupSeq)
        {
            errors.Add(Err(fileName, groupsNode, null, "'groups' must be a list of groups, got " + Describe(groupsNode)));
            return new RuleFileParseResult(groups, errors);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var gNode in groupSeq.Children)
        {
            var groupErrors = new List<RuleFileError>();
            var g = ParseGroup(fileName, gNode, groupErrors);
            if (g is not null)
            {
                if (!seen.Add(g.Name))
                {
                    groupErrors.Add(Err(fileName, gNode, g.Name, $"groupname: \"{g.Name}\" is repeated in the same file"));
                }
                groupErrors.AddRange(Validate(g));
            }
            errors.AddRange(groupErrors);
            if (g is not null && groupErrors.Count == 0)
            {
                groups.Add(g);
            }
        }
        return new RuleFileParseResult(groups, errors);
    }

    /// <summary>Checks a group's names, PromQL and templates as loading a file does (used for groups built in code too).</summary>
    public static List<RuleFileError> Validate(RuleGroupSpec group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var errors = new List<RuleFileError>();
        string file = group.File;
        if (group.Name.Length == 0)
        {
            errors.Add(new RuleFileError(file, group.Line, 1, string.Empty, "Groupname must not be empty"));
        }
        foreach (var (k, v) in group.Labels)
        {
            if (!LabelValidation.IsValidLegacyLabelName(k) || k == LabelSet.MetricName)
            {
                errors.Add(new RuleFileError(file, group.Line, 1, group.Name, $"group \"{group.Name}\": invalid label name: {k}"));
            }
            if (!LabelValidation.IsValidUtf8(v))
            {
                errors.Add(new RuleFileError(file, group.Line, 1, group.Name, $"group \"{group.Name}\": invalid label value: {v}"));
            }
        }
        if (group.Limit < 0)
        {
            errors.Add(new RuleFileError(file, group.Line, 1, group.Name, $"group \"{group.Name}\": limit must not be negative, got {group.Limit.ToString(CultureInfo.InvariantCulture)}"));
        }
        if (group.Interval is { } iv && iv <= TimeSpan.Zero)
        {
            errors.Add(new RuleFileError(file, group.Line, 1, group.Name, $"group \"{group.Name}\": interval must be positive"));
        }
        for (int i = 0; i < group.Rules.Count; i++)
        {
            var r = group.Rules[i];
            string prefix = string.Create(CultureInfo.InvariantCulture, $"group \"{group.Name}\", rule {i + 1}, {GoText.Quote(r.Name)}: ");
            void Add(string message) => errors.Add(new RuleFileError(file, r.Line, r.Line > 0 ? 1 : 0, group.Name, prefix + message));
            bool hasRecord = !string.IsNullOrEmpty(r.Record);
            bool hasAlert = !string.IsNullOrEmpty(r.Alert);
            if (hasRecord && hasAlert)
            {
                Add("only one of 'record' and 'alert' must be set");
            }
            if (!hasRecord && !hasAlert)
            {
                Add("one of 'record' or 'alert' must be set");
            }
            if (r.Expr.Length == 0)
            {
                Add("field 'expr' must be set in rule");
            }
            else
            {
                try
                {
                    PromQLParser.ParseExpr(r.Expr);
                }
                catch (PromQLParseException e)
                {
                    var (line, col) = r.ExprPosition.Line > 0 ? r.ExprPosition : (r.Line, r.Line > 0 ? 1 : 0);
                    errors.Add(new RuleFileError(file, line, col, group.Name, prefix + "could not parse expression: " + e.Message));
                }
            }
            if (hasRecord)
            {
                if (r.Annotations.Count > 0)
                {
                    Add("invalid field 'annotations' in recording rule");
                }
                if (r.For != TimeSpan.Zero)
                {
                    Add("invalid field 'for' in recording rule");
                }
                if (r.KeepFiringFor != TimeSpan.Zero)
                {
                    Add("invalid field 'keep_firing_for' in recording rule");
                }
                if (!LabelValidation.IsValidLegacyMetricName(r.Record!))
                {
                    Add("invalid recording rule name: " + r.Record);
                }
            }
            if (r.For < TimeSpan.Zero || r.KeepFiringFor < TimeSpan.Zero)
            {
                Add("'for' and 'keep_firing_for' must not be negative");
            }
            foreach (var (k, v) in r.Labels)
            {
                if (!LabelValidation.IsValidLegacyLabelName(k) || k == LabelSet.MetricName)
                {
                    Add("invalid label name: " + k);
                }
                if (!LabelValidation.IsValidUtf8(v))
                {
                    Add("invalid label value: " + v);
                }
            }
            foreach (var k in r.Annotations.Keys)
            {
                if (!LabelValidation.IsValidLegacyLabelName(k))
                {
                    Add("invalid annotation name: " + k);
                }
            }
            if (hasAlert)
            {
                foreach (var (k, v) in r.Labels.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    CheckTemplate(r.Alert!, v, "label " + GoText.Quote(k), Add);
                }
                foreach (var (k, v) in r.Annotations.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    CheckTemplate(r.Alert!, v, "annotation " + GoText.Quote(k), Add);
                }
            }
        }
        return errors;
    }

    private static void CheckTemplate(string alert, string text, string what, Action<string> add)
    {
        try
        {
            GoTemplate.Parse("__alert_" + alert, text);
        }
        catch (TemplateException e)
        {
            add(what + ": " + e.Message);
        }
    }

    private static RuleGroupSpec? ParseGroup(string file, YamlNode node, List<RuleFileError> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add(Err(file, node, string.Empty, "a group must be a mapping with name and rules, got " + Describe(node)));
            return null;
        }
        string? name = null;
        TimeSpan? interval = null, offset = null;
        int limit = 0;
        IReadOnlyDictionary<string, string> labels = new Dictionary<string, string>();
        var rules = new List<RuleSpec>();
        foreach (var (k, v) in map.Children)
        {
            if (KeyName(k) == "name")
            {
                name = Scalar(file, v, null, errors, "name") ?? string.Empty;
            }
        }
        string gname = name ?? string.Empty;
        foreach (var (k, v) in map.Children)
        {
            string key = KeyName(k);
            switch (key)
            {
                case "name":
                    break;
                case "interval":
                    interval = Duration(file, v, gname, errors, key);
                    break;
                case "query_offset":
                    offset = Duration(file, v, gname, errors, key);
                    break;
                case "limit":
                    string? ls = Scalar(file, v, gname, errors, key);
                    if (ls is not null && !int.TryParse(ls, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit))
                    {
                        errors.Add(Err(file, v, gname, $"limit: cannot parse {GoText.Quote(ls)} as an integer"));
                    }
                    break;
                case "labels":
                    labels = StringMap(file, v, gname, errors, key);
                    break;
                case "rules":
                    if (IsNull(v))
                    {
                        break;
                    }
                    if (v is not YamlSequenceNode seq)
                    {
                        errors.Add(Err(file, v, gname, "'rules' must be a list, got " + Describe(v)));
                        break;
                    }
                    foreach (var rn in seq.Children)
                    {
                        var r = ParseRule(file, rn, gname, errors);
                        if (r is not null)
                        {
                            rules.Add(r);
                        }
                    }
                    break;
                default:
                    errors.Add(Err(file, k, gname, $"field \"{key}\" not found in group \"{gname}\" (expected one of: {string.Join(", ", GroupKeys)})"));
                    break;
            }
        }
        return new RuleGroupSpec
        {
            Name = gname,
            File = file,
            Interval = interval,
            QueryOffset = offset,
            Limit = limit,
            Labels = labels,
            Rules = rules,
            Line = (int)node.Start.Line,
        };
    }

    private static RuleSpec? ParseRule(string file, YamlNode node, string group, List<RuleFileError> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add(Err(file, node, group, "a rule must be a mapping (record or alert, expr, ...), got " + Describe(node)));
            return null;
        }
        string? record = null, alert = null, expr = null;
        var exprPosition = (0, 0);
        TimeSpan forDuration = TimeSpan.Zero, keepFiring = TimeSpan.Zero;
        IReadOnlyDictionary<string, string> labels = new Dictionary<string, string>();
        IReadOnlyDictionary<string, string> annotations = new Dictionary<string, string>();
        foreach (var (k, v) in map.Children)
        {
            string key = KeyName(k);
            switch (key)
            {
                case "record":
                    record = Scalar(file, v, group, errors, key);
                    break;
                case "alert":
                    alert = Scalar(file, v, group, errors, key);
                    break;
                case "expr":
                    expr = Scalar(file, v, group, errors, key);
                    exprPosition = ((int)v.Start.Line, (int)v.Start.Column);
                    break;
                case "for":
                    forDuration = Duration(file, v, group, errors, key) ?? TimeSpan.Zero;
                    break;
                case "keep_firing_for":
                    keepFiring = Duration(file, v, group, errors, key) ?? TimeSpan.Zero;
                    break;
                case "labels":
                    labels = StringMap(file, v, group, errors, key);
                    break;
                case "annotations":
                    annotations = StringMap(file, v, group, errors, key);
                    break;
                default:
                    errors.Add(Err(file, k, group, $"field \"{key}\" not found in rule (expected one of: {string.Join(", ", RuleKeys)})"));
                    break;
            }
        }
        return new RuleSpec
        {
            Record = string.IsNullOrEmpty(record) ? null : record,
            Alert = string.IsNullOrEmpty(alert) ? null : alert,
            Expr = expr ?? string.Empty,
            For = forDuration,
            KeepFiringFor = keepFiring,
            Labels = labels,
            Annotations = annotations,
            Line = (int)node.Start.Line,
            ExprPosition = exprPosition,
        };
    }

    private static RuleFileError Err(string file, YamlNode node, string? group, string message)
        => new(file, (int)node.Start.Line, (int)node.Start.Column, group, message);

    private static string KeyName(YamlNode key) => key is YamlScalarNode s ? s.Value ?? string.Empty : key.ToString();

    private static bool IsNull(YamlNode node) => YamlNodes.IsNull(node);

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => "the value " + GoText.Quote(s.Value ?? string.Empty),
        _ => "an alias",
    };

    private static string? Scalar(string file, YamlNode node, string? group, List<RuleFileError> errors, string key)
    {
        if (IsNull(node))
        {
            return null;
        }
        if (node is YamlScalarNode s)
        {
            return s.Value ?? string.Empty;
        }
        errors.Add(Err(file, node, group, $"{key}: expected a single value, got {Describe(node)}"));
        return null;
    }

    private static TimeSpan? Duration(string file, YamlNode node, string? group, List<RuleFileError> errors, string key)
    {
        string? s = Scalar(file, node, group, errors, key);
        if (s is null)
        {
            return null;
        }
        if (!PrometheusDuration.TryParse(s, out var d, out string error))
        {
            errors.Add(Err(file, node, group, key + ": " + error));
            return null;
        }
        return d;
    }

    private static Dictionary<string, string> StringMap(string file, YamlNode node, string? group, List<RuleFileError> errors, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (IsNull(node))
        {
            return result;
        }
        if (node is not YamlMappingNode map)
        {
            errors.Add(Err(file, node, group, $"{key}: expected a mapping of names to values, got {Describe(node)}"));
            return result;
        }
        foreach (var (k, v) in map.Children)
        {
            string name = KeyName(k);
            string? value = Scalar(file, v, group, errors, key + "." + name);
            if (value is not null)
            {
                result[name] = value;
            }
        }
        return result;
    }
}
