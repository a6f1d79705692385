namespace Vigil.Core.Config;

/// <summary>
/// Marks a configuration property that holds a secret; the server's configuration redactor hides the value of its YAML
/// key (every value beneath it, for a mapping or list such as <c>env</c> or <c>headers</c>) wherever the key appears.
/// </summary>
/// <remarks>
/// A test walks every options type reachable from the server's <c>VigilConfig</c> and fails when a property named like a
/// secret (password, token, secret, key, credentials, headers, env, params) carries neither this nor
/// <see cref="NotSecretAttribute"/>, so a new secret field cannot be shown in clear by accident.
/// </remarks>
/// <param name="yamlKey">The key the value is written under in <c>vigil.yaml</c>; null when it is only ever read from a file.</param>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class SecretAttribute(string? yamlKey = null) : Attribute
{
    /// <summary>The YAML key whose value is hidden, or null for a secret read from a file (never in the YAML text).</summary>
    public string? YamlKey { get; } = yamlKey;
}
