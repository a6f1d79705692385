using System.Reflection;
using System.Text.RegularExpressions;
using Vigil.Core.Config;
using Vigil.Rules.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>
/// Hides secrets in a configuration file before it is shown (<c>/api/v1/status/config</c>), as Prometheus shows
/// <c>&lt;secret&gt;</c> for them: the value of every key a configuration property marks with <see cref="SecretAttribute"/>
/// (passwords, credentials, connection strings, executor <c>env</c>, webhook <c>headers</c>, scrape <c>params</c>, …),
/// the password of any URL with user information, and URL query parameters named like credentials (<c>?token=…</c>).
/// </summary>
public static partial class ConfigRedactor
{
    /// <summary>What a hidden value is replaced with.</summary>
    public const string Secret = "<secret>";

    /// <summary>
    /// Keys whose values are hidden: those of <see cref="SecretAttribute"/> properties, plus Prometheus's secret keys that
    /// Vigil refuses but a user may still write (the file is shown as written).
    /// </summary>
    public static IReadOnlySet<string> SecretKeys { get; } = BuildSecretKeys();

    [GeneratedRegex("(token|key|secret|pass|pwd|auth|sig|credential|session)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretQueryName();

    /// <summary>The YAML of <paramref name="yaml"/> with secrets replaced; comments and formatting are not kept.</summary>
    /// <exception cref="ConfigException">The text is not YAML (configurations are validated before they are shown).</exception>
    public static string Redact(string yaml)
    {
        if (!SafeYaml.TryLoad(yaml, out var stream, out var syntax))
        {
            throw new ConfigException([new ConfigError("config", syntax.Line, syntax.Column, syntax.Message)]);
        }
        var seen = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        foreach (var document in stream.Documents)
        {
            Visit(document.RootNode, hide: false, seen);
        }
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        // Note: YamlDotNet ends every document with "...", which only adds noise for one-document files.
        string text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text.EndsWith("...\r\n", StringComparison.Ordinal) ? text[..^5] : text;
    }

    private static HashSet<string> BuildSecretKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal) { "bearer_token", "client_secret", "secret", "token", "api_key" };
        foreach (var type in ConfigModel.Types)
        {
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (p.GetCustomAttribute<SecretAttribute>() is { YamlKey: { } key })
                {
                    keys.Add(key);
                }
            }
        }
        return keys;
    }

    private static void Visit(YamlNode node, bool hide, HashSet<YamlNode> seen)
    {
        // Note: an alias shares its node, so every node is visited once; a file of nested aliases cannot make this exponential.
        if (!seen.Add(node))
        {
            return;
        }
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    Visit(value, hide || (key is YamlScalarNode { Value: { } name } && SecretKeys.Contains(name)), seen);
                }
                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    Visit(child, hide, seen);
                }
                break;
            case YamlScalarNode { Value.Length: > 0 } secret when hide:
                secret.Value = Secret;
                secret.Style = ScalarStyle.Plain;
                break;
            case YamlScalarNode { Value: { } text } scalar when Url(text) is { } redacted:
                scalar.Value = redacted;
                break;
        }
    }

    /// <summary>
    /// <c>http://user:pass@host/?token=x&amp;q=1</c> becomes <c>http://user:&lt;secret&gt;@host/?token=&lt;secret&gt;&amp;q=1</c>;
    /// null for anything else (not a URL, or one without credentials).
    /// </summary>
    internal static string? Url(string text)
    {
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            return null;
        }
        bool changed = false;
        string result = text;
        // User information: everything between "://" and the last '@' before the path.
        int authorityEnd = IndexOfAny(result, scheme + 3, '/', '?', '#');
        int at = result.LastIndexOf('@', authorityEnd - 1, authorityEnd - (scheme + 3));
        if (at > scheme + 3)
        {
            int colon = result.IndexOf(':', scheme + 3, at - (scheme + 3));
            if (colon >= 0 && result.AsSpan(colon + 1, at - colon - 1) is not Secret)
            {
                result = string.Concat(result.AsSpan(0, colon + 1), Secret, result.AsSpan(at));
                changed = true;
            }
        }
        int query = result.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            int fragment = result.IndexOf('#', query);
            int end = fragment < 0 ? result.Length : fragment;
            var parts = result[(query + 1)..end].Split('&');
            for (int i = 0; i < parts.Length; i++)
            {
                int eq = parts[i].IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && eq < parts[i].Length - 1 && SecretQueryName().IsMatch(parts[i].AsSpan(0, eq)) && parts[i][(eq + 1)..] != Secret)
                {
                    parts[i] = parts[i][..(eq + 1)] + Secret;
                    changed = true;
                }
            }
            result = string.Concat(result.AsSpan(0, query + 1), string.Join('&', parts), result.AsSpan(end));
        }
        return changed ? result : null;
    }

    private static int IndexOfAny(string s, int start, params char[] chars)
    {
        int i = s.IndexOfAny(chars, start);
        return i < 0 ? s.Length : i;
    }
}
