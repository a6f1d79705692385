using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.AspNetCore;

/// <summary>Registers the SDK's singletons: <see cref="ToolProfiler"/>, <see cref="TunableRegistry"/>, <see cref="VigilMetrics"/> and <see cref="VigilEndpoint"/>.</summary>
public static class VigilServiceCollectionExtensions
{
    /// <summary>Adds a shared <see cref="ToolProfiler"/> (configured by <paramref name="configure"/>), a <see cref="TunableRegistry"/>, their <see cref="VigilMetrics"/> and <see cref="VigilEndpoint"/>.</summary>
    public static IServiceCollection AddVigilSdk(this IServiceCollection services, Action<ToolProfilerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(_ =>
        {
            var options = new ToolProfilerOptions();
            configure?.Invoke(options);
            return new ToolProfiler(options);
        });
        services.TryAddSingleton(_ => new TunableRegistry());
        services.TryAddSingleton(sp =>
        {
            var metrics = new VigilMetrics(sp.GetRequiredService<ToolProfiler>());
            metrics.AddTunables(sp.GetRequiredService<TunableRegistry>());
            return metrics;
        });
        services.TryAddSingleton(sp => new VigilEndpoint(sp.GetRequiredService<VigilMetrics>()));
        return services;
    }
}
