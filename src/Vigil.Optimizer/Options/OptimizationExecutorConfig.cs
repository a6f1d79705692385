using Vigil.Core.Config;

namespace Vigil.Optimizer.Options;

/// <summary>
/// One entry of <c>optimization.executors</c>: a named way to apply and roll back changes. Which members apply depends on
/// <see cref="Type"/>; the loader rejects members of another kind.
/// </summary>
/// <remarks>
/// <code>
/// executors:
///   - name: pool                       # tunable: a knob served by an app through Vigil.Sdk
///     type: tunable
///     url: http://127.0.0.1:5080
///     token_file: secrets/app.token
///     tunable: pool_size
///   - name: scale                      # webhook: apply, rollback and optional capture requests
///     type: webhook
///     request: { url: "https://ops/scale", body: '{"target": "{{ .Target }}", "by": {{ .Parameters.by }}}' }  # values JSON-escaped
///     capture: { url: "https://ops/size?t={{ .Target | urlquery }}", method: GET }
///     rollback: { url: "https://ops/size", body: '{"size": {{ .Previous }}}' }
///   - name: resize                     # command: argv (no shell; no template in a shell's script), env, timeout, rollback argv
///     type: command
///     command: [/usr/local/bin/resize, --to, "{{ .Parameters.size }}"]
///     capture_command: [/usr/local/bin/resize, --show]
///     rollback_command: [/usr/local/bin/resize, --to, "{{ .Previous }}"]
///   - name: collect                    # config: a live setting of Vigil itself
///     type: config
///     setting: collectors.interval
/// </code>
/// </remarks>
public sealed record OptimizationExecutorConfig
{
    /// <summary>The name policies refer to.</summary>
    public required string Name { get; init; }

    /// <summary>The kind.</summary>
    public required OptimizationExecutorKind Type { get; init; }

    /// <summary>The time limit of each call; the global <c>optimization_timeout</c> when null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Webhook: the request that applies the change.</summary>
    public WebhookRequestConfig? Request { get; init; }

    /// <summary>Webhook: an optional request whose answer body is the captured previous value (<c>.Previous</c>).</summary>
    public WebhookRequestConfig? Capture { get; init; }

    /// <summary>Webhook: the request that undoes the change.</summary>
    public WebhookRequestConfig? Rollback { get; init; }

    /// <summary>Command: the program and its arguments (each a template); run without a shell.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Command: an optional program whose standard output (trimmed) is the captured previous value.</summary>
    public IReadOnlyList<string> CaptureCommand { get; init; } = [];

    /// <summary>Command: the program that undoes the change.</summary>
    public IReadOnlyList<string> RollbackCommand { get; init; } = [];

    /// <summary>Command: extra environment variables (values templated).</summary>
    [Secret("env")]
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Command: the working directory; Vigil's when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Tunable: the application's base URL (it serves <c>/vigil/tunables</c>).</summary>
    public string? Url { get; init; }

    /// <summary>Tunable: the bearer token (read from <c>token_file</c> at load), or null for none.</summary>
    [Secret]
    public string? Token { get; init; }

    /// <summary>Tunable: the knob actions change unless their <c>tunable</c> parameter names another.</summary>
    public string? Tunable { get; init; }

    /// <summary>Config: the live setting (<c>collectors.interval</c> or <c>rules.evaluation_interval</c>).</summary>
    public string? Setting { get; init; }
}
