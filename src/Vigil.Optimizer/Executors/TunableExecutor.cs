using System.Globalization;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// Changes a knob an application serves through Vigil.Sdk's tunables endpoint. The action's parameters name the knob
/// (<c>tunable</c>, else the executor's default) and the change: exactly one of <c>set</c> (a value, or an enum member),
/// <c>delta</c> (added) or <c>factor</c> (multiplied). Numeric results are kept within the knob's declared bounds and
/// integers move by at least one step; a knob already at the bound is reported as nothing to change.
/// </summary>
/// <remarks>The value read before the change is what a rollback writes back, in the knob's own type.</remarks>
internal sealed class TunableExecutor : IOptimizationExecutor
{
    private readonly TunableClient _client;
    private readonly string? _defaultTunable;

    public TunableExecutor(OptimizationExecutorConfig config, HttpClient http, ExecutorAllowList? allow = null)
    {
        Name = config.Name;
        if (!Uri.TryCreate(config.Url, UriKind.Absolute, out var url))
        {
            throw new ArgumentException($"tunable executor {config.Name} needs an absolute url");
        }
        if ((allow ?? ExecutorAllowList.None).CheckUrl(url) is { } denied)
        {
            throw new ArgumentException($"tunable executor {config.Name}: {denied}");
        }
        _client = new TunableClient(http, url, config.Token);
        _defaultTunable = config.Tunable;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "tunable";

    /// <inheritdoc />
    public async Task<string?> CaptureAsync(OptimizationExecution execution, CancellationToken ct)
    {
        var knob = await _client.GetAsync(TunableName(execution), ct).ConfigureAwait(false);
        return knob.ValueText;
    }

    /// <inheritdoc />
    public async Task<ExecutorResult> ApplyAsync(OptimizationExecution execution, CancellationToken ct)
    {
        string name = TunableName(execution);
        var knob = await _client.GetAsync(name, ct).ConfigureAwait(false);
        var (value, note) = Plan(knob, execution.Action.Parameters);
        if (value is null)
        {
            return new ExecutorResult(knob.ValueText, note, Changed: false);
        }
        var after = await _client.SetAsync(name, value, ct).ConfigureAwait(false);
        return new ExecutorResult(after.ValueText, $"{name}: {knob.ValueText} -> {after.ValueText}{note}");
    }

    /// <inheritdoc />
    public async Task<ExecutorResult> RollbackAsync(OptimizationExecution execution, CancellationToken ct)
    {
        string name = TunableName(execution);
        string previous = execution.PreviousValue ?? throw new ExecutorException($"tunable {name}: no captured value to restore");
        var knob = await _client.GetAsync(name, ct).ConfigureAwait(false);
        object value = Typed(knob, previous, "the captured value");
        var after = await _client.SetAsync(name, value, ct).ConfigureAwait(false);
        if (after.ValueText != previous)
        {
            throw new ExecutorException($"tunable {name}: restored {previous} but the application reports {after.ValueText}");
        }
        return new ExecutorResult(after.ValueText, $"{name}: {knob.ValueText} -> {after.ValueText} (restored)");
    }

    private string TunableName(OptimizationExecution execution)
        => execution.Action.Parameters.TryGetValue("tunable", out string? t) && t.Length > 0 ? t
            : _defaultTunable ?? throw new ExecutorException($"tunable executor {Name}: the action names no tunable (parameter \"tunable\")");

    /// <summary>The new value (long, double or string) for the action's parameters, or null when nothing would change.</summary>
    internal static (object? Value, string Note) Plan(TunableInfo knob, IReadOnlyDictionary<string, string> parameters)
    {
        bool hasSet = parameters.TryGetValue("set", out string? set);
        bool hasDelta = parameters.TryGetValue("delta", out string? deltaText);
        bool hasFactor = parameters.TryGetValue("factor", out string? factorText);
        if ((hasSet ? 1 : 0) + (hasDelta ? 1 : 0) + (hasFactor ? 1 : 0) != 1)
        {
            throw new ExecutorException($"tunable {knob.Name}: the action needs exactly one of the parameters set, delta or factor");
        }
        if (hasSet)
        {
            object target = Typed(knob, set!, "set");
            if (knob.IsNumeric)
            {
                double d = Convert.ToDouble(target, CultureInfo.InvariantCulture);
                if ((knob.Min is { } lo && d < lo) || (knob.Max is { } hi && d > hi))
                {
                    throw new ExecutorException($"tunable {knob.Name}: set {set} is outside the declared bounds [{Bound(knob.Min)}, {Bound(knob.Max)}]");
                }
                return d == knob.Number ? (null, $"{knob.Name} is already {knob.ValueText}") : (target, string.Empty);
            }
            return set == knob.ValueText ? (null, $"{knob.Name} is already {knob.ValueText}") : (target, string.Empty);
        }
        if (!knob.IsNumeric)
        {
            throw new ExecutorException($"tunable {knob.Name} is an enum: use the parameter set, not delta or factor");
        }
        double current = knob.Number;
        double next;
        if (hasDelta)
        {
            next = current + ParseNumber(knob, "delta", deltaText!);
        }
        else
        {
            double factor = ParseNumber(knob, "factor", factorText!);
            if (factor <= 0)
            {
                throw new ExecutorException($"tunable {knob.Name}: factor must be positive, got {factorText}");
            }
            next = current * factor;
        }
        if (knob.Kind == "integer")
        {
            double rounded = Math.Round(next, MidpointRounding.AwayFromZero);
            if (rounded == current && next != current)
            {
                // Note: a factor of 1.2 on 3 must still move the knob, or the policy could never make progress.
                rounded = next > current ? current + 1 : current - 1;
            }
            next = rounded;
        }
        string note = string.Empty;
        if (knob.Max is { } max && next > max)
        {
            next = max;
            note = " (capped at the maximum)";
        }
        if (knob.Min is { } min && next < min)
        {
            next = min;
            note = " (raised to the minimum)";
        }
        if (next == current)
        {
            string bound = knob.Max == current ? "its maximum" : knob.Min == current ? "its minimum" : "the requested value";
            return (null, $"{knob.Name} is already at {bound} {knob.ValueText}");
        }
        return (knob.Kind == "integer" ? (object)(long)next : next, note);
    }

    private static string Bound(double? b) => b is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "none";

    private static double ParseNumber(TunableInfo knob, string parameter, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
            : throw new ExecutorException($"tunable {knob.Name}: parameter {parameter} \"{text}\" is not a number");

    /// <summary>Converts text to the knob's type: a long for integers, a double for numbers, the string for enum members.</summary>
    private static object Typed(TunableInfo knob, string text, string what)
    {
        switch (knob.Kind)
        {
            case "integer":
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) ? l
                    : throw new ExecutorException($"tunable {knob.Name} is an integer but {what} is \"{text}\"");
            case "number":
                return ParseNumber(knob, what, text);
            default:
                return knob.Values.Count == 0 || knob.Values.Contains(text, StringComparer.Ordinal) ? text
                    : throw new ExecutorException($"tunable {knob.Name}: {what} \"{text}\" is not one of {string.Join(", ", knob.Values)}");
        }
    }
}
