using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;

namespace Vigil.Sdk.Adaptive;

/// <summary>Shared pieces of the adaptive controllers' instrumentation.</summary>
public static partial class AdaptiveMetrics
{
    /// <summary>Default name of the controllers' meters (add it to <c>VigilMetrics.AddMeter</c> or OpenTelemetry).</summary>
    public const string DefaultMeterName = "Vigil.Sdk.Adaptive";

    /// <summary>Checks a controller's name (it prefixes tunables, so it follows their rules) and creates its meter.</summary>
    internal static Meter CreateMeter(string meterName, string controllerName, string what)
    {
        if (string.IsNullOrEmpty(controllerName) || !NamePattern().IsMatch(controllerName))
        {
            throw new ArgumentException($"{what} name \"{controllerName}\" is invalid: use letters, digits, '_', '.' and '-'");
        }
        ArgumentException.ThrowIfNullOrEmpty(meterName);
        return new Meter(meterName);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
