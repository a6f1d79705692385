using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.PromQL.Engine;
using Vigil.Collection.Collectors;
using Vigil.Server.Config;
using Vigil.Rules.Notifier;
using Vigil.Rules;

namespace Vigil.Server;

/// <summary>
/// Configuration reload: a new <c>vigil.yaml</c> is put in force without a restart. Scrape jobs, rules, notification
/// receivers, collectors and the optimizer each keep what did not change (running scrape loops, alert state, webhook
/// groups, collector state); an invalid file or rule set changes nothing.
/// </summary>
public sealed partial class VigilServer
{
    // Note: _options stays what the server was started with (listen address, query limits); _active is the latest
    // configuration applied, which is what the reloadable parts read.
    private volatile VigilServerOptions _active;
    private ConfigReloader? _reloader;

    /// <summary>Whether the last configuration reload succeeded (true before any, and when the server has no file).</summary>
    public bool LastConfigReloadSuccessful => _reloader?.LastReloadSuccessful ?? true;

    /// <summary>The options in force: those given at start, or the latest configuration reloaded.</summary>
    public VigilServerOptions ActiveOptions => _active;

    /// <summary>The interval the built-in collectors run at now (tests check that a reload changed it).</summary>
    internal TimeSpan CollectionInterval => (_loop ?? throw new InvalidOperationException("the server has not been started")).Interval;

    /// <summary>
    /// Reloads <see cref="VigilServerOptions.ConfigFile"/> and puts it in force (what SIGHUP and <c>POST /-/reload</c>
    /// do). Reloads run one at a time. Returns null on success, else the errors; the running configuration then stays.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is not running or was started without a configuration file.</exception>
    public Task<string?> ReloadConfigAsync(CancellationToken cancellationToken = default)
        => ReloadConfigAsync("requested", cancellationToken);

    /// <summary>Reloads, naming what triggered it in the log (<c>SIGHUP</c>, <c>HTTP</c>).</summary>
    public Task<string?> ReloadConfigAsync(string trigger, CancellationToken cancellationToken = default)
    {
        var reloader = _reloader ?? throw new InvalidOperationException(_options.ConfigFile is null
            ? "no configuration file to reload: the server was started without one (vigil serve --config FILE)"
            : "the server is not running");
        return reloader.ReloadAsync(trigger, cancellationToken);
    }

    private void StartConfigReloader()
    {
        if (_options.ConfigFile is not { } file || _options.ConfigBinder is null)
        {
            return;
        }
        _reloader = new ConfigReloader(file, ApplyConfigAsync, () => _active.Rules, _loggerFactory.CreateLogger<ConfigReloader>(), _clock,
            _options.ConfigCheckInterval, _options.ConfigChangeDebounce);
        if (_options.WatchConfig)
        {
            _reloader.StartWatching();
        }
    }

    private async Task StopConfigReloaderAsync()
    {
        if (_reloader is not null)
        {
            await _reloader.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ReloadEndpointAsync(HttpContext ctx)
    {
        string? error;
        // Note: a file that is refused is the client's to fix (400 with every problem, file:line:col); a server without
        // a file to reload cannot do what was asked (500, as Prometheus answers any failed reload).
        int failure = StatusCodes.Status400BadRequest;
        try
        {
            error = await ReloadConfigAsync("HTTP", ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            error = e.Message;
            failure = StatusCodes.Status500InternalServerError;
        }
        ctx.Response.StatusCode = error is null ? StatusCodes.Status200OK : failure;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        if (error is not null)
        {
            await ctx.Response.WriteAsync("failed to reload config: " + error + "\n", ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Puts a loaded configuration in force; throws (changing nothing) when its rules or optimization section are invalid.</summary>
    private async Task ApplyConfigAsync(VigilConfig config, CancellationToken ct)
    {
        var next = _options.ConfigBinder!(config);
        var old = _active;

        // Everything that can be refused is checked before anything changes.
        var rules = next.Rules ?? new RuleManagerOptions();
        var loaded = RuleLoader.Read(rules);
        if (loaded.Errors.Count > 0)
        {
            throw new RuleLoadException(loaded.Errors);
        }
        if (next.Optimization is { } optimization)
        {
            if (_optimizer is null)
            {
                CreateOptimizer(optimization);
                _optimizer!.Start();
            }
            else
            {
                _optimizer.Reconfigure(optimization);
            }
        }
        else if (_optimizer is { } removed)
        {
            _optimizer = null;
            await removed.DisposeAsync().ConfigureAwait(false);
        }

        if (!_options.Agent)
        {
            await ApplyAlertingAsync(next.Alerting, rules).ConfigureAwait(false);
            if (_rules is null)
            {
                var manager = NewRuleManager();
                await manager.ApplyAsync(rules, ct).ConfigureAwait(false);
                _rules = manager;
                manager.Start();
            }
            else
            {
                await _rules.ApplyAsync(rules, ct).ConfigureAwait(false);
            }
        }
        _active = next;
        if (_otlp is not null)
        {
            _otlp.Options = next.Otlp;
        }
        await _scrape!.ApplyConfigAsync(next.ScrapeConfigs).ConfigureAwait(false);
        await ApplyRemoteWriteAsync(next, ct).ConfigureAwait(false);

        if (old.CollectHost != next.CollectHost || old.CollectSelf != next.CollectSelf || old.Collectors.Fingerprint != next.Collectors.Fingerprint)
        {
            // Note: other collectors mean a new loop; the collectors that stay start again from scratch (their next
            // collection simply continues the series).
            var previous = _loop!;
            await previous.DisposeAsync().ConfigureAwait(false);
            foreach (var owned in _ownedCollectors)
            {
                owned.Dispose();
            }
            _ownedCollectors.Clear();
            var loop = NewCollectionLoop(next);
            _loop = loop;
            loop.Start();
            _logger.LogInformation("Collectors restarted for the new configuration");
        }
        else if (_loop!.Interval != next.CollectionInterval)
        {
            _loop.Interval = next.CollectionInterval;
        }
    }

    private CollectionLoop NewCollectionLoop(VigilServerOptions options)
        => new(_storage, BuildCollectors(), options.CollectionInterval, TargetLabels(), _instruments!.Collectors, _loggerFactory.CreateLogger<CollectionLoop>(), _clock);

    private RuleManager NewRuleManager()
        => new(_storage, new PromQLEngine(), Notify, _loggerFactory.CreateLogger<RuleManager>(), _clock);

    /// <summary>The rule manager's notify callback: whatever notifier is in force receives the alerts.</summary>
    private void Notify(AlertingRule rule, List<Alert> alerts) => Volatile.Read(ref _notifier)?.Send(rule, alerts);

    /// <summary>Creates, reconfigures or empties the notifier; the rules' external labels and URL apply unless the alerting options set their own.</summary>
    private async Task ApplyAlertingAsync(AlertingOptions? alerting, RuleManagerOptions rules)
    {
        var a = alerting ?? new AlertingOptions();
        a = a with
        {
            ExternalLabels = a.ExternalLabels.Count > 0 ? a.ExternalLabels : rules.ExternalLabels,
            ExternalUrl = a.ExternalUrl.Length > 0 ? a.ExternalUrl : rules.ExternalUrl,
        };
        if (_notifier is not null)
        {
            await _notifier.ReconfigureAsync(a).ConfigureAwait(false);
        }
        else if (a.Alertmanagers.Count > 0 || a.Webhooks.Count > 0)
        {
            Volatile.Write(ref _notifier, new NotificationManager(a, _loggerFactory.CreateLogger<NotificationManager>(), _clock));
        }
    }
}
