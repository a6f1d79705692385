using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Vigil.Analysis.Insights;
using Vigil.Core.Config;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Server;
using Vigil.Server.Config;
using Vigil.Server.Security;

namespace Vigil.Cli;

/// <summary>
/// <c>vigil serve</c>: opens the data directory and runs <see cref="VigilServer"/> until SIGINT or SIGTERM; and
/// <c>vigil agent</c>, the same server in agent mode over a WAL-only storage (collect and remote-write, nothing else).
/// </summary>
internal static class ServeCommand
{
    /// <summary>The data directory of <c>vigil agent</c> unless <c>--data-dir</c> says otherwise.</summary>
    public const string AgentDataDir = "data-agent";

    public static Command Create(IStorageProvider storageProvider, TextWriter stderr) => Create(storageProvider, stderr, agent: false);

    /// <summary><c>vigil agent</c> over <paramref name="agentStorage"/> (a provider that opens the WAL-only storage).</summary>
    public static Command CreateAgent(IStorageProvider agentStorage, TextWriter stderr) => Create(agentStorage, stderr, agent: true);

    private static Command Create(IStorageProvider storageProvider, TextWriter stderr, bool agent)
    {
        var dataDir = agent
            ? new Option<string>("--data-dir") { Description = "Directory for the agent's write-ahead log (created if missing); one agent at a time may use it.", HelpName = "DIR", DefaultValueFactory = _ => AgentDataDir }
            : CommonOptions.DataDir("Directory for the database (created if missing); one server at a time may use it.");
        var listen = new Option<ListenAddress>("--listen")
        {
            Description = "Address for the HTTP API and /metrics: host:port; loopback only by default, :9612 for all interfaces.",
            HelpName = "ADDR",
            DefaultValueFactory = _ => ListenAddress.Default,
            CustomParser = r =>
            {
                if (ListenAddress.TryParse(r.Tokens[0].Value, out var a, out string error))
                {
                    return a;
                }
                r.AddError("--listen: " + error);
                return ListenAddress.Default;
            },
        };
        var otlpGrpcListen = new Option<ListenAddress?>("--otlp.grpc-listen")
        {
            Description = "Serve OTLP/gRPC metrics (MetricsService/Export, HTTP/2) on host:port, e.g. 127.0.0.1:4317; off by default. OTLP/HTTP is always on --listen at /v1/metrics.",
            HelpName = "ADDR",
            CustomParser = r =>
            {
                if (ListenAddress.TryParse(r.Tokens[0].Value, out var a, out string error))
                {
                    return a;
                }
                r.AddError("--otlp.grpc-listen: " + error);
                return null;
            },
        };
        var interval = DurationOption("--interval", "How often the built-in collectors (host, Vigil itself) run, e.g. 5s, 1m30s.", "5s", allowZero: false);
        var retention = DurationOption("--retention", "How long to keep data, e.g. 15d, 4w; 0 keeps data forever.", "15d", allowZero: true);
        var retentionSize = new Option<string>("--retention-size")
        {
            Description = "Maximum bytes of blocks on disk, e.g. 512MB, 10GB (powers of 1024); 0 for no limit. The oldest blocks go first.",
            HelpName = "SIZE",
            DefaultValueFactory = _ => "0",
        };
        retentionSize.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!CliValues.TryParseBytes(token.Value, out _, out string error))
                {
                    r.AddError("--retention-size: " + error);
                }
            }
        });
        var walSync = new Option<string>("--wal-sync")
        {
            Description = "When the write-ahead log is fsynced: 'interval' (group fsync every second; a crash may lose up to one second) or 'commit' (before every write is acknowledged).",
            HelpName = "MODE",
            DefaultValueFactory = _ => "interval",
        };
        walSync.AcceptOnlyFromAmong("interval", "commit");
        var maxFuture = DurationOption("--max-future-timestamp", "Refuse samples whose timestamp lies further than this ahead of the server's clock (a timestamp in the wrong unit), e.g. 10m, 1h.", "10m", allowZero: true);
        var config = new Option<FileInfo?>("--config")
        {
            Description = "Configuration file (vigil.yaml): global, storage, collectors, scrape_configs, ... Flags given on the command line win over the file.",
            HelpName = "FILE",
        };
        var logLevel = LogLevelOption();
        var collectors = new Option<string>("--collectors")
        {
            Description = "Built-in collectors to run: a comma-separated list of host and self, or none (e.g. to serve imported data only). Overrides host/self of the configuration file's collectors: section.",
            HelpName = "LIST",
            DefaultValueFactory = _ => "host,self",
        };
        collectors.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!TryParseCollectors(token.Value, out _, out _))
                {
                    r.AddError($"--collectors: invalid list \"{token.Value}\": use host, self, both separated by a comma, or none");
                }
            }
        });
        var queryTimeout = DurationOption("--query.timeout", "Maximum time one PromQL query may take.", "2m", allowZero: false);
        var queryLookback = DurationOption("--query.lookback-delta", "How far back an instant selector looks for the latest sample.", "5m", allowZero: false);
        var queryMaxSamples = new Option<int>("--query.max-samples")
        {
            Description = "Maximum number of samples one query may hold in memory.",
            HelpName = "N",
            DefaultValueFactory = _ => 50_000_000,
        };
        var queryConcurrency = new Option<int>("--query.max-concurrency")
        {
            Description = "Maximum number of queries evaluated at once; more wait for a free slot.",
            HelpName = "N",
            DefaultValueFactory = _ => 20,
        };
        foreach (var positive in new[] { queryMaxSamples, queryConcurrency })
        {
            positive.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() <= 0)
                {
                    r.AddError($"{positive.Name}: must be greater than 0");
                }
            });
        }

        var pushMaxSize = new Option<string>("--push.max-request-size")
        {
            Description = "Largest body accepted by /api/v1/write, /api/v1/import/prometheus and /api/v1/push, compressed and decompressed, e.g. 32MB, 512KB (powers of 1024); larger ones get 413.",
            HelpName = "SIZE",
            DefaultValueFactory = _ => "32MB",
        };
        pushMaxSize.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!CliValues.TryParseBytes(token.Value, out long bytes, out string error))
                {
                    r.AddError("--push.max-request-size: " + error);
                }
                else if (bytes <= 0 || bytes > 1L << 30)
                {
                    r.AddError($"--push.max-request-size: {token.Value} is out of range: use more than 0 and at most 1GB");
                }
            }
        });
        var webConfig = new Option<FileInfo?>("--web.config.file")
        {
            Description = "Web configuration file (Prometheus's format): TLS (tls_server_config), basic_auth_users with bcrypt hashes, plus Vigil's bearer_tokens and vigil_user_scopes. Re-read when it changes. See docs/SECURITY.md.",
            HelpName = "FILE",
        };
        var insecureListen = new Option<bool>("--web.insecure-listen")
        {
            Description = "Allow --listen beyond loopback without authentication (everyone who can reach it may read, push, reload and approve). Refused without this flag.",
        };
        var allowedHosts = new Option<string[]>("--web.allowed-hosts")
        {
            Description = "Host names the server answers to besides localhost and loopback addresses (DNS-rebinding protection); comma-separated or repeated; * allows any.",
            HelpName = "HOSTS",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };

        var command = agent
            ? new Command("agent", "Run Vigil as an agent: scrape, run the built-in collectors and take pushes, write them to a write-ahead log only, and send them by remote_write (no local query, rules, analysis or dashboard) until SIGINT or SIGTERM.")
            {
                dataDir, listen, otlpGrpcListen, interval, walSync, maxFuture, config, logLevel, collectors, pushMaxSize, webConfig, insecureListen, allowedHosts,
            }
            : new Command("serve", "Run Vigil: store host and self metrics every interval and serve the HTTP API until SIGINT or SIGTERM.")
            {
                dataDir, listen, otlpGrpcListen, interval, retention, retentionSize, walSync, maxFuture, config, logLevel,
                collectors, queryTimeout, queryLookback, queryMaxSamples, queryConcurrency, pushMaxSize, webConfig, insecureListen, allowedHosts,
            };
        command.SetAction(async (result, ct) =>
        {
            var file = VigilConfig.Default;
            if (result.GetValue(config) is { } configFile)
            {
                try
                {
                    file = VigilConfig.Load(configFile.ToString());
                }
                catch (ConfigException e)
                {
                    foreach (var error in e.Errors)
                    {
                        await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                    }
                    await stderr.WriteLineAsync($"vigil: {configFile} is not valid; nothing was started").ConfigureAwait(false);
                    return 1;
                }
            }
            if (agent && file.RemoteWrite.Count == 0)
            {
                await stderr.WriteLineAsync("vigil agent: the configuration has no remote_write: section, so nothing will leave this host (vigil agent --help shows an example)").ConfigureAwait(false);
            }
            bool Given(Option option) => result.GetResult(option) is { Implicit: false };
            var storage = file.Storage;
            long retentionBytes;
            if (agent)
            {
                retentionBytes = 0;
            }
            else if (Given(retentionSize) || storage.RetentionSize is null)
            {
                CliValues.TryParseBytes(result.GetValue(retentionSize)!, out retentionBytes, out _);
            }
            else
            {
                retentionBytes = storage.RetentionSize.Value;
            }
            CliValues.TryParseBytes(result.GetValue(pushMaxSize)!, out long pushMaxBytes, out _);
            var settings = new StorageSettings(
                Given(dataDir) || storage.DataDir is null ? result.GetValue(dataDir)! : storage.DataDir,
                agent ? TimeSpan.Zero : Given(retention) || storage.RetentionTime is null ? PrometheusDuration.Parse(result.GetValue(retention)!) : storage.RetentionTime.Value,
                retentionBytes,
                Given(walSync) || storage.WalSyncEveryCommit is null ? result.GetValue(walSync) == "commit" : storage.WalSyncEveryCommit.Value,
                Given(maxFuture) || storage.MaxFutureTimestamp is null ? PrometheusDuration.Parse(result.GetValue(maxFuture)!) : storage.MaxFutureTimestamp.Value,
                storage.Remote is { } remoteStore ? ServeStorage.WithExternalLabels(remoteStore, file.Global.ExternalLabels) : null,
                storage.Local);
            var flags = FlagValues(command, result);
            // Note: the same binding runs at start and at every reload, so flags keep winning over a reloaded file.
            VigilServerOptions Bind(VigilConfig file)
            {
                bool collectHost = file.Collectors.Host;
                bool collectSelf = file.Collectors.Self;
                if (Given(collectors))
                {
                    TryParseCollectors(result.GetValue(collectors)!, out collectHost, out collectSelf);
                }
                return new VigilServerOptions
                {
                    WebConfigFile = result.GetValue(webConfig)?.ToString(),
                    InsecureListen = result.GetValue(insecureListen),
                    AllowedHosts = (result.GetValue(allowedHosts) ?? []).SelectMany(h => h.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                    CollectHost = collectHost,
                    CollectSelf = collectSelf,
                    Listen = result.GetValue(listen)!,
                    OtlpGrpcListen = result.GetValue(otlpGrpcListen),
                    Otlp = file.Otlp,
                    CollectionInterval = Given(interval) ? PrometheusDuration.Parse(result.GetValue(interval)!) : file.Collectors.Interval,
                    DataDirectory = settings.DataDir,
                    QueryTimeout = agent ? TimeSpan.FromMinutes(2) : PrometheusDuration.Parse(result.GetValue(queryTimeout)!),
                    QueryLookbackDelta = agent ? TimeSpan.FromMinutes(5) : PrometheusDuration.Parse(result.GetValue(queryLookback)!),
                    QueryMaxSamples = agent ? 1 : result.GetValue(queryMaxSamples),
                    QueryMaxConcurrency = agent ? 1 : result.GetValue(queryConcurrency),
                    Agent = agent,
                    RemoteWrite = file.RemoteWrite,
                    ExternalLabels = file.Global.ExternalLabels,
                    MaxPushBodyBytes = (int)pushMaxBytes,
                    Collectors = file.Collectors,
                    ScrapeConfigs = file.ScrapeConfigs,
                    ConfigYaml = file.SourceText is null ? null : ConfigRedactor.Redact(file.SourceText),
                    Rules = agent || (file.SourcePath is null && file.RuleFiles.Count == 0 && file.SeedRuleGroups.Count == 0)
                        ? null
                        : file.RuleOptions() with { ExternalUrl = ExternalUrl(result.GetValue(listen)!) },
                    Alerting = file.Alerting,
                    Optimization = agent ? null : file.Optimization,
                    Analysis = agent ? null : file.Analysis ?? new AnalysisConfig(),
                    ConfigFile = file.SourcePath,
                    ConfigBinder = file.SourcePath is null ? null : Bind,
                    Flags = flags,
                    StorageRetention = settings.Retention,
                };
            }
            var options = Bind(file);
            using var loggers = CliLogging.Create(CliLogging.Parse(result.GetValue(logLevel)!));
            if (file.SourcePath is not null)
            {
                loggers.CreateLogger("Vigil").LogInformation("Loaded {File}: {Jobs} scrape jobs", file.SourcePath, file.ScrapeConfigs.Count);
            }
            return await RunAsync(storageProvider, settings, options, loggers, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Every flag of the command by name without dashes, with the value given or its default (for <c>/api/v1/status/flags</c>).</summary>
    private static Dictionary<string, string> FlagValues(Command command, ParseResult result)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in command.Options)
        {
            if (!option.Name.StartsWith("--", StringComparison.Ordinal) || option.Name == "--help")
            {
                continue;
            }
            var given = result.GetResult(option);
            string value = given is { Implicit: false }
                ? (given.Tokens.Count == 0 ? "true" : string.Join(",", given.Tokens.Select(t => t.Value)))
                : !option.HasDefaultValue ? string.Empty
                : option.GetDefaultValue() is bool b ? (b ? "true" : "false")
                : Convert.ToString(option.GetDefaultValue(), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            flags[option.Name[2..]] = value;
        }
        return flags;
    }

    /// <summary>The URL users reach the server at, for alerts' generator URLs and <c>$externalURL</c> (Prometheus's default for <c>--web.external-url</c>).</summary>
    private static string ExternalUrl(ListenAddress listen)
    {
        string host = listen.Host.Length == 0 ? Environment.MachineName : listen.Host.Contains(':', StringComparison.Ordinal) ? "[" + listen.Host + "]" : listen.Host;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http://{host}:{listen.Port}/");
    }

    private static bool TryParseCollectors(string text, out bool host, out bool self)
    {
        host = false;
        self = false;
        if (text == "none")
        {
            return true;
        }
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            switch (part)
            {
                case "host":
                    host = true;
                    break;
                case "self":
                    self = true;
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    public static Option<string> LogLevelOption()
    {
        var option = new Option<string>("--log-level")
        {
            Description = "Least severe log messages to print: debug, info, warn or error.",
            HelpName = "LEVEL",
            DefaultValueFactory = _ => "info",
        };
        option.AcceptOnlyFromAmong(CliLogging.Levels);
        return option;
    }

    private static async Task<int> RunAsync(IStorageProvider storageProvider, StorageSettings settings, VigilServerOptions options, ILoggerFactory loggers, CancellationToken ct)
    {
        var log = loggers.CreateLogger("Vigil");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        string? signal = null;
        void OnSignal(PosixSignalContext context)
        {
            // Note: cancelling the default action lets the shutdown below run to completion, then exit 0.
            context.Cancel = true;
            signal ??= context.Signal.ToString();
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        VigilServer? running = null;
        void OnHangup(PosixSignalContext context)
        {
            // Note: SIGHUP reloads the configuration file, as Prometheus does; the reload runs off the signal thread.
            context.Cancel = true;
            if (Volatile.Read(ref running) is not { } server)
            {
                return;
            }
            if (options.ConfigFile is null)
            {
                log.LogWarning("Received SIGHUP, but there is no configuration file to reload (vigil serve --config FILE)");
                return;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    await server.ReloadConfigAsync("SIGHUP", stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or ObjectDisposedException)
                {
                    // Stopping.
                }
            }, CancellationToken.None);
        }
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangup);

        IStorage storage;
        try
        {
            storage = ServeStorage.Open(storageProvider, settings, loggers);
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            log.LogError("Cannot open data directory {DataDir}: {Error}", Path.GetFullPath(settings.DataDir), e.Message);
            return 1;
        }
        try
        {
            await using var server = new VigilServer(options, storage, loggers);
            try
            {
                await server.StartAsync(stop.Token).ConfigureAwait(false);
                Volatile.Write(ref running, server);
            }
            catch (ListenAddressInUseException e)
            {
                int other = options.Listen.Port is > 0 and < 65535 ? options.Listen.Port + 1 : 9613;
                log.LogError("{Error}; choose another address with --listen, e.g. vigil serve --listen 127.0.0.1:{Port}", e.Message, other);
                return 1;
            }
            catch (IOException e)
            {
                log.LogError("{Error}", e.Message);
                return 1;
            }
            catch (InsecureListenException e)
            {
                log.LogError("{Error}", e.Message);
                return 1;
            }
            catch (ConfigException e)
            {
                log.LogError("The web configuration is not valid; nothing was started:\n{Errors}", string.Join('\n', e.Errors));
                return 1;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                log.LogInformation("Stopped by {Signal} during start-up", signal ?? "cancellation");
                return 0;
            }
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                log.LogInformation("Received {Signal}; stopping collectors, flushing storage", signal ?? "cancellation");
            }
            Volatile.Write(ref running, null);
            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await CloseAsync(storage).ConfigureAwait(false);
        }
        log.LogInformation("Vigil stopped cleanly");
        return 0;
    }

    internal static async ValueTask CloseAsync(object storage)
    {
        if (storage is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else if (storage is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>A duration option kept as text so <c>--help</c> shows the default as Prometheus writes it (<c>5s</c>).</summary>
    private static Option<string> DurationOption(string name, string description, string defaultValue, bool allowZero)
    {
        var option = new Option<string>(name)
        {
            Description = description,
            HelpName = "DURATION",
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!PrometheusDuration.TryParse(token.Value, out var d, out string error))
                {
                    r.AddError($"{name}: {error}");
                }
                else if (d == TimeSpan.Zero && !allowZero)
                {
                    r.AddError($"{name}: must be greater than 0");
                }
            }
        });
        return option;
    }
}
