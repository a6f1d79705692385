using Vigil.Analysis.Insights;
using Vigil.Collection.Collectors;
using Vigil.Collection.Discovery;
using Vigil.Collection.Scrape;
using Vigil.Core.Config;
using Vigil.Optimizer.Options;
using Vigil.Rules.Notifier;
using Vigil.Rules.Seed;
using Vigil.Rules.Yaml;
using Vigil.Server.Config.Binding;
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

    /// <summary>The document's sections as read, before the seed's blocks are applied.</summary>
    private sealed record Document
    {
        public GlobalConfig Global { get; init; } = new();

        public StorageConfig Storage { get; init; } = new();

        public CollectorsConfig Collectors { get; init; } = new();

        public List<ScrapeConfig> ScrapeConfigs { get; init; } = [];

        public List<string> RuleFiles { get; init; } = [];

        public AlertingOptions? Alerting { get; init; }

        public AnalysisConfig? Analysis { get; init; }

        public OptimizationConfig? Optimization { get; init; }

        public Collection.Otlp.OtlpOptions Otlp { get; init; } = Collection.Otlp.OtlpOptions.Default;

        public IReadOnlyList<Collection.Remote.RemoteWriteOptions> RemoteWrite { get; init; } = [];

        public PerformanceCollectionConfig? PerformanceCollection { get; init; }

        public Seed.PerformanceAnalysisConfig? PerformanceAnalysis { get; init; }

        public IReadOnlyList<AggregationRule> AggregationRules { get; init; } = [];
    }

    private static readonly ConfigSchema<Document> DocumentKeys = new ConfigSchema<Document>()
        .Custom("global", (r, e, o) => o with { Global = GlobalSchema.Parse(r, e) })
        .Custom("storage", (r, e, o) => o with { Storage = StorageSchema.Parse(r, e) })
        .Custom("collectors", (r, e, o) => o with { Collectors = CollectorsSchema.Parse(r, e) })
        // Note: jobs are read last (late) so that global defaults apply whatever the order of the sections.
        .Custom("scrape_configs", (r, e, o) => o with { ScrapeConfigs = ScrapeJobs(r, e, o.Global) }, late: true)
        .Custom("rule_files", (r, e, o) => o with { RuleFiles = r.StringList(e).Select(r.ResolvePath).ToList() })
        .Custom("alerting", (r, e, o) => o with { Alerting = AlertingSchema.Parse(r, e) })
        .Custom("analysis", (r, e, o) => o with { Analysis = AnalysisSchema.Parse(r, e) })
        .Custom("optimization", (r, e, o) => o with { Optimization = OptimizationSchema.Parse(r, e) })
        .Custom("performance_collection", (r, e, o) => o with { PerformanceCollection = Seed.SeedSchema.PerformanceCollection(r, e) })
        .Custom("performance_analysis", (r, e, o) => o with { PerformanceAnalysis = Seed.SeedSchema.PerformanceAnalysis(r, e) })
        .Custom("aggregation_rules", (r, e, o) => o with { AggregationRules = Seed.SeedSchema.AggregationRules(r, e) })
        .Custom("otlp", (r, e, o) => o with { Otlp = OtlpSchema.Parse(r, e) })
        .Custom("remote_write", (r, e, o) => o with { RemoteWrite = RemoteWriteSchema.ParseList(r, e) })
        .Unsupported("remote_read", "scrape_config_files", "tracing", "runtime");

    private static VigilConfig Parse(ConfigReader r, YamlNode root)
    {
        var entries = r.Mapping(root, string.Empty);
        var d = DocumentKeys.Bind(r, root, string.Empty, entries, new Document())!;
        var seedEntry = entries.FirstOrDefault(e => e.Key is "performance_collection" or "aggregation_rules");
        var seedRules = SeedRules(r, d.PerformanceCollection, d.AggregationRules, seedEntry);
        var collectors = d.Collectors;
        var storage = d.Storage;
        ApplySeedCollection(d.PerformanceCollection, ref collectors, ref storage);
        return new VigilConfig
        {
            Global = d.Global,
            Storage = storage,
            Collectors = collectors,
            ScrapeConfigs = d.ScrapeConfigs,
            RuleFiles = d.RuleFiles,
            Sections = entries.Select(e => e.Key).ToList(),
            Alerting = d.Alerting,
            Analysis = ApplySeedAnalysis(d.PerformanceAnalysis, d.Analysis),
            Optimization = d.Optimization,
            Otlp = d.Otlp,
            RemoteWrite = d.RemoteWrite,
            PerformanceCollection = d.PerformanceCollection,
            PerformanceAnalysis = d.PerformanceAnalysis,
            AggregationRules = d.AggregationRules,
            SeedRuleGroups = seedRules,
        };
    }

    /// <summary>The jobs of <c>scrape_configs</c> with <paramref name="global"/>'s defaults; a job with problems, or a repeated job name, is left out.</summary>
    private static List<ScrapeConfig> ScrapeJobs(ConfigReader r, ConfigEntry section, GlobalConfig global)
    {
        ConfigValues.UniqueListOf<ScrapeConfig>(
            (ConfigReader reader, YamlNode node, string where, out ScrapeConfig job) =>
            {
                if (ConfigReader.IsNull(node))
                {
                    reader.Error(node, $"empty or null scrape config section in {where}");
                    job = null!;
                    return false;
                }
                job = ScrapeSchema.Parse(reader, node, where, global)!;
                return job is not null;
            },
            job => job.JobName,
            (name, where) => $"found multiple scrape configs with job name \"{name}\" in {where}")(r, section, out var jobs);
        return jobs;
    }
}
