using Vigil.Analysis.Insights;
using Vigil.Collection.Collectors;
using Vigil.Collection.Scrape;
using Vigil.Optimizer.Options;
using Vigil.Rules.Notifier;
using Vigil.Server.Config;

namespace Vigil.Server;

/// <summary>Settings of a <see cref="VigilServer"/>; the defaults are what <c>vigil serve</c> uses without flags.</summary>
public sealed class VigilServerOptions
{
    /// <summary>Where the HTTP server listens; loopback port 9612 by default. Port 0 picks a free port (see <see cref="VigilServer.BaseAddress"/>).</summary>
    public ListenAddress Listen { get; init; } = ListenAddress.Default;

    /// <summary>
    /// Where OTLP/gRPC is served (<c>--otlp.grpc-listen</c>, HTTP/2; TLS and authentication as the main listener); null
    /// (the default) serves no gRPC. OTLP/HTTP is always on the main listener. Port 0 picks a free port
    /// (see <see cref="VigilServer.OtlpGrpcAddress"/>).
    /// </summary>
    public ListenAddress? OtlpGrpcListen { get; init; }

    /// <summary>The <c>otlp:</c> section: how OTLP metrics are translated into Prometheus series; reloaded with the configuration file.</summary>
    public Collection.Otlp.OtlpOptions Otlp { get; init; } = Collection.Otlp.OtlpOptions.Default;

    /// <summary>
    /// The web configuration file (<c>--web.config.file</c>, Prometheus's format plus Vigil's scopes and bearer tokens):
    /// TLS, basic-auth users, bearer tokens, response headers. Re-read when it changes; null serves plain HTTP to everyone.
    /// </summary>
    public string? WebConfigFile { get; init; }

    /// <summary>
    /// Serve beyond loopback without authentication (<c>--web.insecure-listen</c>); without it, such a listener is
    /// refused at start with <see cref="Security.InsecureListenException"/>.
    /// </summary>
    public bool InsecureListen { get; init; }

    /// <summary>
    /// Host names (besides localhost and loopback addresses on a loopback listener) the server answers to
    /// (<c>--web.allowed-hosts</c>); other Host headers get 403, which stops DNS rebinding. <c>*</c> allows any.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>
    /// The largest body a push endpoint accepts (<c>/api/v1/write</c>, <c>/api/v1/import/prometheus</c>,
    /// <c>/api/v1/push</c>), compressed and after decompression; larger ones get 413. 32 MiB by default, as VictoriaMetrics.
    /// </summary>
    public int MaxPushBodyBytes { get; init; } = Api.PushApi.MaxBodyBytes;

    /// <summary>How often the built-in collectors run; 5 seconds by default.</summary>
    public TimeSpan CollectionInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Agent mode (<c>vigil agent</c>): collect and forward only. No rules, analysis, optimizer or dashboard, and of the
    /// HTTP API only health, <c>/metrics</c>, targets, metadata, the push endpoints and reload.
    /// </summary>
    public bool Agent { get; init; }

    /// <summary>The <c>remote_write:</c> remotes the storage's WAL is sent to; empty by default.</summary>
    public IReadOnlyList<Collection.Remote.RemoteWriteOptions> RemoteWrite { get; init; } = [];

    /// <summary><c>global.external_labels</c>: added to every series sent by remote-write (a series' own label wins).</summary>
    public Core.Labels.LabelSet ExternalLabels { get; init; } = Core.Labels.LabelSet.Empty;

    /// <summary>The data directory of the storage, shown in the start-up log and home of the remotes' WAL positions; the server never opens the storage itself.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The <c>job</c> label on everything the built-in collectors store.</summary>
    public string Job { get; init; } = "vigil";

    /// <summary>The <c>instance</c> label on everything the built-in collectors store; the host name when null.</summary>
    public string? Instance { get; init; }

    /// <summary>Whether to collect host statistics (node_exporter metrics); ignored where unsupported (non-Linux).</summary>
    public bool CollectHost { get; init; } = true;

    /// <summary>Whether to store Vigil's own metrics (process, .NET runtime, TSDB, server).</summary>
    public bool CollectSelf { get; init; } = true;

    /// <summary>The longest a PromQL query may run before it fails with <c>timeout</c> (2 minutes by default, as Prometheus).</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The most samples one query may hold in memory (50 million by default, as Prometheus).</summary>
    public int QueryMaxSamples { get; init; } = 50_000_000;

    /// <summary>How far back an instant selector looks for the latest sample (5 minutes by default).</summary>
    public TimeSpan QueryLookbackDelta { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many queries evaluate at once; more wait for a free slot (20 by default, as Prometheus).</summary>
    public int QueryMaxConcurrency { get; init; } = 20;

    /// <summary>Rule files, extra groups and evaluation settings; null runs no rules.</summary>
    public Rules.RuleManagerOptions? Rules { get; init; }

    /// <summary>Where alerts are sent; null or empty sends none (they still show in <c>/api/v1/alerts</c>).</summary>
    public AlertingOptions? Alerting { get; init; }

    /// <summary>The <c>collectors:</c> section: dotnet, postgres, probe and process collectors to run (host and self use <see cref="CollectHost"/>/<see cref="CollectSelf"/>).</summary>
    public CollectorsConfig Collectors { get; init; } = new();

    /// <summary>The jobs to scrape (<c>scrape_configs</c> of <c>vigil.yaml</c>); none by default.</summary>
    public IReadOnlyList<ScrapeConfig> ScrapeConfigs { get; init; } = [];

    /// <summary>The <c>optimization:</c> section: policies, executors and limits of the closed loop; null runs no optimizer.</summary>
    public OptimizationConfig? Optimization { get; init; }

    /// <summary>The <c>analysis:</c> section: anomaly scores of the selected series and the insight engines; null (or disabled) runs no analysis.</summary>
    public AnalysisConfig? Analysis { get; init; }

    /// <summary>Signal sources besides the rule manager's firing alerts (e.g. the insights engine) that optimization policies match.</summary>
    public IReadOnlyList<Optimizer.Decider.IOptimizationSignalSource> SignalSources { get; init; } = [];

    /// <summary>Test hook: the evaluator's two-sample test; <see cref="Optimizer.Evaluator.MannWhitneyJudge"/> when null.</summary>
    internal Optimizer.Evaluator.IStatisticalJudge? StatisticalJudge { get; init; }

    /// <summary>
    /// The configuration file these options were made from (<c>vigil serve --config</c>). With <see cref="ConfigBinder"/>
    /// the server reloads it on <c>POST /-/reload</c>, on <see cref="VigilServer.ReloadConfigAsync(System.Threading.CancellationToken)"/> (SIGHUP in
    /// <c>vigil serve</c>) and when it or a rule file changes; null runs without reloading.
    /// </summary>
    public string? ConfigFile { get; init; }

    /// <summary>Turns a reloaded configuration file into options (<c>vigil serve</c> applies its command-line flags here).</summary>
    public Func<VigilConfig, VigilServerOptions>? ConfigBinder { get; init; }

    /// <summary>Whether edits of <see cref="ConfigFile"/> and the rule files trigger a reload; true by default.</summary>
    public bool WatchConfig { get; init; } = true;

    /// <summary>How often the files are checked for changes besides file-system notifications; 10 seconds by default.</summary>
    public TimeSpan ConfigCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the files must stay unchanged after a change before it is loaded (editors write in steps); 1 second by default.</summary>
    public TimeSpan ConfigChangeDebounce { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The configuration file's text with secrets hidden (<see cref="Config.ConfigRedactor"/>), shown by <c>/api/v1/status/config</c>; null when there is none.</summary>
    public string? ConfigYaml { get; init; }

    /// <summary>
    /// The command-line flags the server was started with, by name without dashes (<c>listen</c>, <c>retention</c>…),
    /// each with the value in force (given or default); <c>/api/v1/status/flags</c> answers them as Prometheus does.
    /// </summary>
    public IReadOnlyDictionary<string, string> Flags { get; init; } = new Dictionary<string, string>();

    /// <summary>How long the storage keeps data, for <c>/api/v1/status/runtimeinfo</c>; null when not known (tests).</summary>
    public TimeSpan? StorageRetention { get; init; }
}
