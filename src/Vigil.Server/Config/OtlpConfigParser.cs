using Vigil.Collection.Otlp;

namespace Vigil.Server.Config;

/// <summary>Maps the <c>otlp:</c> section of <c>vigil.yaml</c> onto <see cref="OtlpOptions"/> (Prometheus's keys plus Vigil's delta and created-timestamp settings).</summary>
internal static class OtlpConfigParser
{
    public static OtlpOptions Parse(ConfigReader r, ConfigEntry section)
    {
        var options = new OtlpOptions();
        foreach (var e in r.Mapping(section.Value, section.Key))
        {
            switch (e.Key)
            {
                case "translation_strategy":
                    if (r.String(e) is { } text)
                    {
                        if (OtlpTranslationStrategyExtensions.TryParse(text, out var strategy))
                        {
                            options = options with { TranslationStrategy = strategy };
                        }
                        else
                        {
                            r.Invalid(e, $"expected UnderscoreEscapingWithSuffixes, UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes or NoTranslation, got \"{text}\"");
                        }
                    }
                    break;
                case "promote_resource_attributes":
                    options = options with { PromoteResourceAttributes = Attributes(r, e) };
                    break;
                case "ignore_resource_attributes":
                    options = options with { IgnoreResourceAttributes = Attributes(r, e) };
                    break;
                case "promote_all_resource_attributes":
                    options = options with { PromoteAllResourceAttributes = r.Bool(e) ?? false };
                    break;
                case "keep_identifying_resource_attributes":
                    options = options with { KeepIdentifyingResourceAttributes = r.Bool(e) ?? false };
                    break;
                case "promote_scope_metadata":
                    options = options with { PromoteScopeMetadata = r.Bool(e) ?? false };
                    break;
                case "created_timestamp_zero_ingestion":
                    options = options with { CreatedTimestampZeroIngestion = r.Bool(e) ?? true };
                    break;
                case "max_delta_series":
                    if (r.NonNegativeInteger(e) is { } max)
                    {
                        if (max is < 1 or > 100_000_000)
                        {
                            r.Invalid(e, "must be between 1 and 100000000");
                        }
                        else
                        {
                            options = options with { MaxDeltaSeries = (int)max };
                        }
                    }
                    break;
                case "delta_series_idle":
                    if (r.Duration(e) is { } idle)
                    {
                        if (idle <= TimeSpan.Zero)
                        {
                            r.Invalid(e, "must be greater than 0");
                        }
                        else
                        {
                            options = options with { DeltaSeriesIdle = idle };
                        }
                    }
                    break;
                case "convert_histograms_to_nhcb":
                    r.Unsupported(e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
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

    private static List<string> Attributes(ConfigReader r, ConfigEntry e)
    {
        var list = new List<string>();
        foreach (string a in r.StringList(e))
        {
            string name = a.Trim();
            if (name.Length == 0)
            {
                r.Invalid(e, "empty attribute name");
            }
            else if (list.Contains(name))
            {
                r.Invalid(e, $"duplicated attribute \"{name}\"");
            }
            else
            {
                list.Add(name);
            }
        }
        return list;
    }
}
