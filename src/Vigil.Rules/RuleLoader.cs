using System.Text;
using System.Text.RegularExpressions;
using Vigil.Core.Labels;

namespace Vigil.Rules;

/// <summary>Expands rule file globs, parses the files and builds evaluable groups.</summary>
/// <remarks>Thread-safe (stateless).</remarks>
public static class RuleLoader
{
    /// <summary>The result of reading a rule set: the valid groups, every problem, and the files read.</summary>
    /// <param name="Groups">Valid groups of all files, then the extra groups.</param>
    /// <param name="Errors">Every problem found.</param>
    /// <param name="Files">The files the globs matched, in order.</param>
    public sealed record LoadedRules(IReadOnlyList<RuleGroupSpec> Groups, IReadOnlyList<RuleFileError> Errors, IReadOnlyList<string> Files);

    /// <summary>Reads every file the options name (globs expanded) plus the extra groups, collecting all errors.</summary>
    public static LoadedRules Read(RuleManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var groups = new List<RuleGroupSpec>();
        var errors = new List<RuleFileError>();
        var files = ExpandGlobs(options.RuleFiles, options.BaseDirectory, errors);
        foreach (string file in files)
        {
            var parsed = RuleFileParser.ParseFile(file);
            groups.AddRange(parsed.Groups);
            errors.AddRange(parsed.Errors);
        }
        foreach (var g in options.ExtraGroups)
        {
            var e = RuleFileParser.Validate(g);
            if (e.Count == 0)
            {
                groups.Add(g);
            }
            errors.AddRange(e);
        }
        return new LoadedRules(groups, errors, files);
    }

    /// <summary>Builds an evaluable group; group labels are added to every rule (rule labels win).</summary>
    public static RuleGroup Build(RuleGroupSpec spec, RuleManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var rules = new List<Rule>(spec.Rules.Count);
        foreach (var r in spec.Rules)
        {
            var lb = new LabelSetBuilder();
            foreach (var (k, v) in spec.Labels)
            {
                lb.Set(k, v);
            }
            foreach (var (k, v) in r.Labels)
            {
                lb.Set(k, v);
            }
            var labels = lb.Build();
            if (r.Alert is not null)
            {
                rules.Add(new AlertingRule(r.Alert, r.Expr, r.For, r.KeepFiringFor, labels, LabelSet.FromDictionary(r.Annotations)));
            }
            else
            {
                rules.Add(new RecordingRule(r.Record!, r.Expr, labels));
            }
        }
        return new RuleGroup(spec.Name, spec.File, spec.Interval ?? options.EvaluationInterval, spec.QueryOffset ?? options.QueryOffset, spec.Limit, rules);
    }

    /// <summary>
    /// Expands globs as Go's <c>filepath.Glob</c> does (<c>*</c>, <c>?</c>, <c>[...]</c> within one path element); a
    /// path without wildcards that does not exist is an error, a glob matching nothing is not.
    /// </summary>
    public static List<string> ExpandGlobs(IReadOnlyList<string> patterns, string? baseDirectory, List<RuleFileError> errors)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(errors);
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string raw in patterns)
        {
            string pattern = Path.IsPathRooted(raw) || baseDirectory is null ? raw : Path.Combine(baseDirectory, raw);
            if (pattern.IndexOfAny(['*', '?', '[']) < 0)
            {
                if (!File.Exists(pattern))
                {
                    errors.Add(new RuleFileError(raw, 0, 0, null, "no such rule file: " + pattern));
                }
                else if (seen.Add(pattern))
                {
                    result.Add(pattern);
                }
                continue;
            }
            var matches = new List<string>();
            Glob(pattern, matches);
            matches.Sort(StringComparer.Ordinal);
            foreach (string m in matches)
            {
                if (seen.Add(m))
                {
                    result.Add(m);
                }
            }
        }
        return result;
    }

    private static void Glob(string pattern, List<string> into)
    {
        string root = Path.IsPathRooted(pattern) ? Path.GetPathRoot(pattern)! : string.Empty;
        string[] parts = pattern[root.Length..].Split(['/', Path.DirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        Walk(root.Length == 0 ? "." : root, root.Length == 0, parts, 0, into);
    }

    private static void Walk(string dir, bool relative, string[] parts, int index, List<string> into)
    {
        string part = parts[index];
        bool last = index == parts.Length - 1;
        string Join(string name) => relative && dir == "." ? name : Path.Combine(dir, name);
        if (part.IndexOfAny(['*', '?', '[']) < 0)
        {
            string next = Join(part);
            if (last)
            {
                if (File.Exists(next))
                {
                    into.Add(next);
                }
            }
            else if (Directory.Exists(next))
            {
                Walk(next, false, parts, index + 1, into);
            }
            return;
        }
        if (!Directory.Exists(dir))
        {
            return;
        }
        var regex = new Regex(GlobToRegex(part), RegexOptions.CultureInvariant);
        IEnumerable<string> entries = last ? Directory.EnumerateFiles(dir) : Directory.EnumerateDirectories(dir);
        foreach (string e in entries)
        {
            string name = Path.GetFileName(e);
            if (!regex.IsMatch(name))
            {
                continue;
            }
            if (last)
            {
                into.Add(Join(name));
            }
            else
            {
                Walk(Join(name), false, parts, index + 1, into);
            }
        }
    }

    private static string GlobToRegex(string glob)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            switch (c)
            {
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                    int close = glob.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }
                    string cls = glob[(i + 1)..close];
                    sb.Append('[').Append(cls.Replace(@"\", @"\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return sb.Append('$').ToString();
    }
}
