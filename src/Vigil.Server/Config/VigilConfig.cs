using Vigil.Analysis.Insights;
using Vigil.Collection.Collectors;
using Vigil.Collection.Discovery;
using Vigil.Collection.Scrape;
using Vigil.Core.Config;
using Vigil.Optimizer.Options;
using Vigil.Rules.Notifier;
using Vigil.Rules.Seed;
using Vigil.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>
/// The whole <c>vigil.yaml</c>: <c>global</c>, <c>storage</c>, <c>collectors</c>, <c>scrape_configs</c>,
/// <c>rule_files</c>, and the sections later subsystems read (<c>alerting</c>, <c>analysis</c>, <c>optimization</c>,
/// and the seed's <c>performance_collection</c>, <c>performance_analysis</c>, <c>aggregation_rules</c>).
/// </summary>
/// <remarks>
/// Loading is strict: an unknown key, a value of the wrong type, a bad duration or regex, a duplicated job name are all
/// errors naming file, line, column and key, and every problem in the file is reported at once. Immutable.
/// </remarks>
public sealed partial class VigilConfig
{
    /// <summary>The configuration used without a file: every default.</summary>
    public static VigilConfig Default { get; } = new();

    /// <summary>The full path of the file this was loaded from, or null for <see cref="Default"/> and parsed text.</summary>
    public string? SourcePath { get; init; }

    /// <summary>The <c>global:</c> section.</summary>
    public GlobalConfig Global { get; init; } = new();

    /// <summary>The <c>storage:</c> section.</summary>
    public StorageConfig Storage { get; init; } = new();

    /// <summary>The <c>collectors:</c> section.</summary>
    public CollectorsConfig Collectors { get; init; } = new();

    /// <summary>The <c>scrape_configs:</c> jobs, in file order, with global defaults applied.</summary>
    public IReadOnlyList<ScrapeConfig> ScrapeConfigs { get; init; } = [];

    /// <summary>The <c>rule_files:</c> paths or glob patterns, resolved against the file's directory.</summary>
    public IReadOnlyList<string> RuleFiles { get; init; } = [];

    /// <summary>The top-level sections that are present, in file order (for summaries).</summary>
    public IReadOnlyList<string> Sections { get; init; } = [];

    /// <summary>The <c>alerting:</c> section: Alertmanagers and webhooks; null when the file has none (no notifications).</summary>
    public AlertingOptions? Alerting { get; init; }

    /// <summary>The <c>analysis:</c> section, or null when the file has none (the analysis then runs with its defaults).</summary>
    public AnalysisConfig? Analysis { get; init; }

    /// <summary>The <c>otlp:</c> section: how OTLP metrics are translated (defaults when absent).</summary>
    public Collection.Otlp.OtlpOptions Otlp { get; init; } = Collection.Otlp.OtlpOptions.Default;

    /// <summary>The <c>remote_write:</c> remotes the WAL is sent to (empty: none).</summary>
    public IReadOnlyList<Collection.Remote.RemoteWriteOptions> RemoteWrite { get; init; } = [];

    /// <summary>The <c>optimization:</c> section, or null when the file has none (no optimizer runs).</summary>
    public OptimizationConfig? Optimization { get; init; }

    /// <summary>The seed's <c>performance_collection:</c> block (its <c>alert_thresholds</c> are in <see cref="SeedRuleGroups"/>), or null.</summary>
    public PerformanceCollectionConfig? PerformanceCollection { get; init; }

    /// <summary>The seed's <c>performance_analysis:</c> block, or null.</summary>
    public Seed.PerformanceAnalysisConfig? PerformanceAnalysis { get; init; }

    /// <summary>The seed's <c>aggregation_rules:</c> (compiled into <see cref="SeedRuleGroups"/>); empty when absent.</summary>
    public IReadOnlyList<AggregationRule> AggregationRules { get; init; } = [];

    /// <summary>
    /// The rule groups compiled from <c>performance_collection.alert_thresholds</c> and <c>aggregation_rules</c>
    /// (<see cref="Rules.SeedRuleCompiler"/>), evaluated with the <c>rule_files</c>' groups.
    /// </summary>
    public IReadOnlyList<Rules.RuleGroupSpec> SeedRuleGroups { get; init; } = [];

    /// <summary>The text the configuration was parsed from (what <c>/api/v1/status/config</c> shows, secrets hidden); null for <see cref="Default"/>.</summary>
    public string? SourceText { get; init; }

    /// <summary>
    /// Reads the file_sd files the jobs currently match (as <c>vigil check config</c> does) and returns their problems;
    /// <paramref name="files"/> and <paramref name="targets"/> count what was found.
    /// </summary>
    public IReadOnlyList<ConfigError> CheckDiscoveryFiles(out int files, out int targets)
    {
        var errors = new List<ConfigError>();
        files = 0;
        targets = 0;
        foreach (var job in ScrapeConfigs)
        {
            foreach (var sd in job.FileSdConfigs)
            {
                foreach (string file in FileSdProvider.ExpandPatterns(sd.Files))
                {
                    files++;
                    try
                    {
                        targets += FileSdParser.ReadFile(file).Sum(g => g.Targets.Count);
                    }
                    catch (ConfigException e)
                    {
                        errors.AddRange(e.Errors);
                    }
                }
            }
        }
        return errors;
    }

    /// <summary>
    /// Reads and parses <paramref name="path"/>; relative paths inside resolve against its directory. Throws
    /// <see cref="ConfigException"/> listing every problem (including a file that cannot be read).
    /// </summary>
    public static VigilConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new ConfigError(path, 0, 0, "cannot read the configuration file: " + e.Message)]);
        }
        string full = Path.GetFullPath(path);
        var config = Parse(text, path, Path.GetDirectoryName(full) ?? Directory.GetCurrentDirectory());
        return new VigilConfig
        {
            SourcePath = full,
            Global = config.Global,
            Storage = config.Storage,
            Collectors = config.Collectors,
            ScrapeConfigs = config.ScrapeConfigs,
            RuleFiles = config.RuleFiles,
            Sections = config.Sections,
            Alerting = config.Alerting,
            Analysis = config.Analysis,
            Optimization = config.Optimization,
            Otlp = config.Otlp,
            RemoteWrite = config.RemoteWrite,
            PerformanceCollection = config.PerformanceCollection,
            PerformanceAnalysis = config.PerformanceAnalysis,
            AggregationRules = config.AggregationRules,
            SeedRuleGroups = config.SeedRuleGroups,
            SourceText = text,
        };
    }

    /// <summary>
    /// Parses YAML text; <paramref name="fileName"/> names the source in errors and <paramref name="baseDirectory"/>
    /// (the current directory when null) resolves relative paths. Throws <see cref="ConfigException"/>.
    /// </summary>
    public static VigilConfig Parse(string yaml, string fileName = "vigil.yaml", string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var r = new ConfigReader(fileName, baseDirectory ?? Directory.GetCurrentDirectory());
        if (!SafeYaml.TryLoad(yaml, out var stream, out var syntax))
        {
            r.Errors.Add(new ConfigError(fileName, syntax.Line, syntax.Column, "invalid YAML: " + syntax.Message));
            throw new ConfigException(r.Errors);
        }
        if (stream.Documents.Count == 0)
        {
            return new VigilConfig();
        }
        if (stream.Documents.Count > 1)
        {
            r.Error(stream.Documents[1].RootNode, "expected a single YAML document, found more than one");
            throw new ConfigException(r.Errors);
        }
        var config = Parse(r, stream.Documents[0].RootNode);
        if (r.Errors.Count > 0)
        {
            throw new ConfigException(r.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
        return config;
    }

    private static VigilConfig Parse(ConfigReader r, YamlNode root)
    {
        var global = new GlobalConfig();
        var storage = new StorageConfig();
        var collectors = new CollectorsConfig();
        var ruleFiles = new List<string>();
        var sections = new List<string>();
        YamlNode? scrapeNode = null;
        AlertingOptions? alerting = null;
        PerformanceCollectionConfig? performanceCollection = null;
        Seed.PerformanceAnalysisConfig? performanceAnalysis = null;
        IReadOnlyList<AggregationRule> aggregationRules = [];
        ConfigEntry seedEntry = default;
        OptimizationConfig? optimization = null;
        AnalysisConfig? analysis = null;
        var otlp = Collection.Otlp.OtlpOptions.Default;
        IReadOnlyList<Collection.Remote.RemoteWriteOptions> remoteWrite = [];
        ConfigEntry scrapeEntry = default;
        foreach (var e in r.Mapping(root, string.Empty))
        {
            sections.Add(e.Key);
            switch (e.Key)
            {
                case "global":
                    global = GlobalSchema.Parse(r, e);
                    break;
                case "storage":
                    storage = StorageSchema.Parse(r, e);
                    break;
                case "collectors":
                    collectors = CollectorsSchema.Parse(r, e);
                    break;
                case "scrape_configs":
                    scrapeNode = e.Value;
                    scrapeEntry = e;
                    break;
                case "rule_files":
                    foreach (string pattern in r.StringList(e))
                    {
                        ruleFiles.Add(r.ResolvePath(pattern));
                    }
                    break;
                case "alerting":
                    alerting = AlertingSchema.Parse(r, e);
                    break;
                case "analysis":
                    analysis = AnalysisSchema.Parse(r, e);
                    break;
                case "optimization":
                    optimization = OptimizationSchema.Parse(r, e);
                    break;
                case "performance_collection":
                    performanceCollection = Seed.SeedConfigParser.PerformanceCollection(r, e);
                    seedEntry = seedEntry.KeyNode is null ? e : seedEntry;
                    break;
                case "performance_analysis":
                    performanceAnalysis = Seed.SeedConfigParser.PerformanceAnalysis(r, e);
                    break;
                case "aggregation_rules":
                    aggregationRules = Seed.SeedConfigParser.AggregationRules(r, e);
                    seedEntry = seedEntry.KeyNode is null ? e : seedEntry;
                    break;
                case "otlp":
                    otlp = OtlpSchema.Parse(r, e);
                    break;
                case "remote_write":
                    remoteWrite = RemoteWriteConfigParser.ParseList(r, e);
                    break;
                case "remote_read" or "scrape_config_files" or "tracing" or "runtime":
                    r.Unsupported(e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        // Note: jobs are parsed after the loop so that global defaults apply whatever the order of the sections.
        var jobs = new List<ScrapeConfig>();
        if (scrapeNode is not null)
        {
            var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (node, where) in r.Sequence(scrapeEntry))
            {
                if (ConfigReader.IsNull(node))
                {
                    r.Error(node, $"empty or null scrape config section in {where}");
                    continue;
                }
                if (ScrapeConfigParser.Parse(r, node, where, global) is not { } job)
                {
                    continue;
                }
                if (!names.TryAdd(job.JobName, node))
                {
                    r.Error(node, $"found multiple scrape configs with job name \"{job.JobName}\" in {where}");
                    continue;
                }
                jobs.Add(job);
            }
        }
        var seedRules = SeedRules(r, performanceCollection, aggregationRules, seedEntry);
        ApplySeedCollection(performanceCollection, ref collectors, ref storage);
        analysis = ApplySeedAnalysis(performanceAnalysis, analysis);
        return new VigilConfig
        {
            Global = global,
            Storage = storage,
            Collectors = collectors,
            ScrapeConfigs = jobs,
            RuleFiles = ruleFiles,
            Sections = sections,
            Alerting = alerting,
            Analysis = analysis,
            Optimization = optimization,
            Otlp = otlp,
            RemoteWrite = remoteWrite,
            PerformanceCollection = performanceCollection,
            PerformanceAnalysis = performanceAnalysis,
            AggregationRules = aggregationRules,
            SeedRuleGroups = seedRules,
        };
    }
}
