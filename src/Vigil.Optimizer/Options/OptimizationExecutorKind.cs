namespace Vigil.Optimizer.Options;

/// <summary>The kinds of optimization executors (<c>optimization.executors[].type</c>).</summary>
public enum OptimizationExecutorKind
{
    /// <summary>An HTTP request with a templated body; a second request rolls back.</summary>
    Webhook,

    /// <summary>A program run with arguments (no shell), environment and a timeout; a second command rolls back.</summary>
    Command,

    /// <summary>A knob an application registers through Vigil.Sdk, read and set over its HTTP endpoint (docs/TUNABLES.md).</summary>
    Tunable,

    /// <summary>A setting of Vigil's own running configuration.</summary>
    Config,
}
