using Vigil.Collection.Otlp;
using Vigil.Server.Config.Binding;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>
/// The <c>otlp:</c> section's keys, declared onto <see cref="OtlpOptions"/>: how OTLP metric names and resource
/// attributes become Prometheus series (Prometheus's <c>otlp:</c> block) and how delta temporality is handled.
/// </summary>
internal static class OtlpSchema
{
    private static readonly ConfigValue<OtlpTranslationStrategy> Strategy = (ConfigReader r, ConfigEntry e, out OtlpTranslationStrategy value) =>
    {
        value = default;
        if (r.String(e) is not { } text)
        {
            return false;
        }
        if (OtlpTranslationStrategyExtensions.TryParse(text, out value))
        {
            return true;
        }
        r.Invalid(e, $"expected UnderscoreEscapingWithSuffixes, UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes or NoTranslation, got \"{text}\"");
        return false;
    };

    /// <summary>Attribute names: trimmed, none empty, none twice (a bad one is reported and left out).</summary>
    private static readonly ConfigValue<List<string>> Attributes = (ConfigReader r, ConfigEntry e, out List<string> value) =>
    {
        value = new List<string>();
        foreach (string a in r.StringList(e))
        {
            string name = a.Trim();
            if (name.Length == 0)
            {
                r.Invalid(e, "empty attribute name");
            }
            else if (value.Contains(name))
            {
                r.Invalid(e, $"duplicated attribute \"{name}\"");
            }
            else
            {
                value.Add(name);
            }
        }
        return true;
    };

    /// <summary>The section's keys.</summary>
    public static readonly ConfigSchema<OtlpOptions> Root = new ConfigSchema<OtlpOptions>()
        .Key("translation_strategy", Strategy, (o, v) => o with { TranslationStrategy = v })
        .Key("promote_resource_attributes", Attributes, (o, v) => o with { PromoteResourceAttributes = v })
        .Key("ignore_resource_attributes", Attributes, (o, v) => o with { IgnoreResourceAttributes = v })
        .Key("promote_all_resource_attributes", Bool, (o, v) => o with { PromoteAllResourceAttributes = v })
        .Key("keep_identifying_resource_attributes", Bool, (o, v) => o with { KeepIdentifyingResourceAttributes = v })
        .Key("promote_scope_metadata", Bool, (o, v) => o with { PromoteScopeMetadata = v })
        .Key("created_timestamp_zero_ingestion", Bool, (o, v) => o with { CreatedTimestampZeroIngestion = v })
        .Key("max_delta_series", NonNegativeInteger.Where(m => m is >= 1 and <= 100_000_000, _ => "must be between 1 and 100000000"), (o, v) => o with { MaxDeltaSeries = (int)v })
        .Key("delta_series_idle", Duration.Where(d => d > TimeSpan.Zero, _ => "must be greater than 0"), (o, v) => o with { DeltaSeriesIdle = v })
        .Unsupported("convert_histograms_to_nhcb");

    /// <summary>Reads the section; problems (also the keys that exclude each other) are recorded in <paramref name="r"/>.</summary>
    public static OtlpOptions Parse(ConfigReader r, ConfigEntry section)
    {
        var options = Root.Bind(r, section.Value, section.Key, new OtlpOptions())!;
        if (options.PromoteAllResourceAttributes && options.PromoteResourceAttributes.Count > 0)
        {
            r.Error(section.KeyNode, "otlp: promote_all_resource_attributes and promote_resource_attributes cannot both be set");
        }
        if (!options.PromoteAllResourceAttributes && options.IgnoreResourceAttributes.Count > 0)
        {
            r.Error(section.KeyNode, "otlp: ignore_resource_attributes needs promote_all_resource_attributes: true");
        }
        return options;
    }
}
