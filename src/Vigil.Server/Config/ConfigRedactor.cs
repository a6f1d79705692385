using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>
/// Hides secrets in a configuration file before it is shown (<c>/api/v1/status/config</c>), as Prometheus shows
/// <c>&lt;secret&gt;</c> for them: passwords, bearer tokens, credentials, connection strings, and the password of any
/// URL with user information.
/// </summary>
public static class ConfigRedactor
{
    /// <summary>What a hidden value is replaced with.</summary>
    public const string Secret = "<secret>";

    private static readonly HashSet<string> SecretKeys = new(StringComparer.Ordinal)
    {
        "password", "bearer_token", "credentials", "connection_string", "client_secret", "secret", "token", "api_key",
    };

    /// <summary>The YAML of <paramref name="yaml"/> with secrets replaced; comments and formatting are not kept.</summary>
    /// <exception cref="YamlException">The text is not YAML (configurations are validated before they are shown).</exception>
    public static string Redact(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var document in stream.Documents)
        {
            Visit(document.RootNode);
        }
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        // Note: YamlDotNet ends every document with "...", which only adds noise for one-document files.
        string text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text.EndsWith("...\r\n", StringComparison.Ordinal) ? text[..^5] : text;
    }

    private static void Visit(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children.ToList())
                {
                    if (key is YamlScalarNode { Value: { } name } && SecretKeys.Contains(name) && value is YamlScalarNode { Value.Length: > 0 } secret)
                    {
                        secret.Value = Secret;
                        secret.Style = ScalarStyle.Plain;
                    }
                    else
                    {
                        Visit(value);
                    }
                }
                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    Visit(child);
                }
                break;
            case YamlScalarNode { Value: { } text } scalar when UrlWithPassword(text) is { } redacted:
                scalar.Value = redacted;
                break;
        }
    }

    /// <summary><c>http://user:pass@host/</c> becomes <c>http://user:&lt;secret&gt;@host/</c>; null for anything else.</summary>
    private static string? UrlWithPassword(string text)
    {
        if (!text.Contains("://", StringComparison.Ordinal) || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || uri.UserInfo.IndexOf(':', StringComparison.Ordinal) is var colon && colon < 0)
        {
            return null;
        }
        int start = text.IndexOf(uri.UserInfo, StringComparison.Ordinal);
        return start < 0 ? null : string.Concat(text.AsSpan(0, start), uri.UserInfo.AsSpan(0, colon + 1), Secret, text.AsSpan(start + uri.UserInfo.Length));
    }
}
