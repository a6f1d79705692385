namespace Vigil.Optimizer.Executors;

/// <summary>Settings of Vigil's running configuration that can change without a restart (what the <c>config</c> executor changes).</summary>
/// <remarks>Thread-safe. Values are text in the configuration file's syntax (durations as <c>15s</c>).</remarks>
internal interface ILiveSettings
{
    /// <summary>The settings that exist, e.g. <c>collectors.interval</c>.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>The value in force; throws <see cref="ArgumentException"/> for an unknown setting.</summary>
    string Get(string name);

    /// <summary>Puts a new value in force; throws <see cref="ArgumentException"/> naming the setting for an invalid value.</summary>
    Task SetAsync(string name, string value, CancellationToken ct);
}
