using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Collection.Collectors;
using Vigil.Core.Model;
using Vigil.Optimizer;
using Vigil.Optimizer.Decider;
using Vigil.Optimizer.Evaluator;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Options;
using Vigil.Server.Composition;

namespace Vigil.Server;

/// <summary>The optimizer inside the server: created from <see cref="VigilServerOptions.Optimization"/>, its API, and the live settings it may change.</summary>
public sealed partial class VigilServer
{
    private PerformanceOptimizer? _optimizer;

    /// <summary>The live settings the <c>config</c> optimization executor can change.</summary>
    internal static IReadOnlyList<string> LiveSettingNames { get; } = [LiveSettings.CollectionInterval, LiveSettings.EvaluationInterval];

    /// <summary>The optimizer, or null when the server runs without an <c>optimization:</c> section.</summary>
    public PerformanceOptimizer? Optimizer => _optimizer;

    /// <summary>
    /// Puts a new <c>optimization:</c> section in force without a restart (the configuration reload hook); running
    /// executions finish as they started. Throws <see cref="ArgumentException"/> and keeps the old section when invalid.
    /// </summary>
    public void ReloadOptimization(OptimizationConfig config)
        => (_optimizer ?? throw new InvalidOperationException("the server was started without an optimization section")).Reconfigure(config);

    private void CreateOptimizer(OptimizationConfig config)
    {
        var judge = _options.StatisticalJudge ?? new MannWhitneyJudge();
        IOptimizationSignalSource[] sources = [new AlertSignalSource(() => _rules), InsightSignals(), .. _options.SignalSources];
        _optimizer = new PerformanceOptimizer(config, _storage, _options.DataDirectory, sources, judge, new LiveSettings(this),
            _loggerFactory.CreateLogger<PerformanceOptimizer>(), _clock);
        var optimizer = _optimizer;
        optimizer.ObjectivesEvaluated = new ObjectiveVerdicts(() => _analysis, () => Volatile.Read(ref _notifier), () => optimizer.Config.Interval, _clock).Apply;
    }

    private async Task StopOptimizerAsync()
    {
        if (_optimizer is not null)
        {
            await _optimizer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The server's settings the <c>config</c> executor may change: the collection interval and the rules' evaluation interval.</summary>
    private sealed class LiveSettings(VigilServer server) : ILiveSettings
    {
        public const string CollectionInterval = "collectors.interval";
        public const string EvaluationInterval = "rules.evaluation_interval";

        public IReadOnlyList<string> Names => LiveSettingNames;

        public string Get(string name) => name switch
        {
            CollectionInterval => PrometheusDuration.Format(Loop().Interval),
            EvaluationInterval => PrometheusDuration.Format(Rules().Options.EvaluationInterval),
            _ => throw new ArgumentException($"unknown live setting \"{name}\""),
        };

        public async Task SetAsync(string name, string value, CancellationToken ct)
        {
            if (!PrometheusDuration.TryParse(value, out var duration, out string error))
            {
                throw new ArgumentException($"{name}: {error}");
            }
            if (duration <= TimeSpan.Zero)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name}: must be greater than 0, got {value}"));
            }
            switch (name)
            {
                case CollectionInterval:
                    Loop().Interval = duration;
                    break;
                case EvaluationInterval:
                    var rules = Rules();
                    await rules.ApplyAsync(rules.Options with { EvaluationInterval = duration }, ct).ConfigureAwait(false);
                    break;
                default:
                    throw new ArgumentException($"unknown live setting \"{name}\"");
            }
        }

        private CollectionLoop Loop() => server._loop ?? throw new ArgumentException("the server is not running");

        private Rules.RuleManager Rules() => server._rules ?? throw new ArgumentException("the server runs no rules, so rules.evaluation_interval cannot change");
    }
}
