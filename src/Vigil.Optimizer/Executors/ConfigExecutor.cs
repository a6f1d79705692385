using System.Globalization;
using Vigil.Core.Model;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// Changes one of Vigil's own live settings (e.g. <c>collectors.interval</c>). Parameters: <c>set</c> (a value in the
/// file's syntax) or, for durations, <c>factor</c> (multiplied). The value in force before is restored on rollback.
/// </summary>
internal sealed class ConfigExecutor : IOptimizationExecutor
{
    private readonly ILiveSettings _settings;
    private readonly string _setting;

    public ConfigExecutor(OptimizationExecutorConfig config, ILiveSettings settings)
    {
        Name = config.Name;
        _settings = settings;
        _setting = config.Setting ?? throw new ArgumentException($"config executor {config.Name} needs a setting");
        if (!settings.Names.Contains(_setting, StringComparer.Ordinal))
        {
            throw new ArgumentException($"config executor {config.Name}: unknown setting \"{_setting}\" (live settings: {string.Join(", ", settings.Names)})");
        }
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "config";

    /// <inheritdoc />
    public Task<string?> CaptureAsync(OptimizationExecution execution, CancellationToken ct)
        => Task.FromResult<string?>(_settings.Get(_setting));

    /// <inheritdoc />
    public async Task<ExecutorResult> ApplyAsync(OptimizationExecution execution, CancellationToken ct)
    {
        string current = _settings.Get(_setting);
        string next = Plan(current, execution.Action.Parameters);
        if (next == current)
        {
            return new ExecutorResult(current, $"{_setting} is already {current}", Changed: false);
        }
        await SetAsync(next, ct).ConfigureAwait(false);
        string after = _settings.Get(_setting);
        return new ExecutorResult(after, $"{_setting}: {current} -> {after}");
    }

    /// <inheritdoc />
    public async Task<ExecutorResult> RollbackAsync(OptimizationExecution execution, CancellationToken ct)
    {
        string previous = execution.PreviousValue ?? throw new ExecutorException($"config {_setting}: no captured value to restore");
        string current = _settings.Get(_setting);
        await SetAsync(previous, ct).ConfigureAwait(false);
        return new ExecutorResult(_settings.Get(_setting), $"{_setting}: {current} -> {previous} (restored)");
    }

    private async Task SetAsync(string value, CancellationToken ct)
    {
        try
        {
            await _settings.SetAsync(_setting, value, ct).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new ExecutorException($"config {_setting}: {e.Message}");
        }
    }

    private string Plan(string current, IReadOnlyDictionary<string, string> parameters)
    {
        bool hasSet = parameters.TryGetValue("set", out string? set);
        bool hasFactor = parameters.TryGetValue("factor", out string? factorText);
        if (hasSet == hasFactor)
        {
            throw new ExecutorException($"config {_setting}: the action needs exactly one of the parameters set or factor");
        }
        if (hasSet)
        {
            return set!;
        }
        if (!PrometheusDuration.TryParse(current, out var duration, out _))
        {
            throw new ExecutorException($"config {_setting}: factor needs a duration setting, the value is \"{current}\"");
        }
        if (!double.TryParse(factorText, NumberStyles.Float, CultureInfo.InvariantCulture, out double factor) || !(factor > 0) || double.IsInfinity(factor))
        {
            throw new ExecutorException($"config {_setting}: factor \"{factorText}\" is not a positive number");
        }
        // Note: Prometheus durations have millisecond resolution.
        long ms = Math.Max(1, (long)Math.Round(duration.TotalMilliseconds * factor));
        return PrometheusDuration.Format(TimeSpan.FromMilliseconds(ms));
    }
}
