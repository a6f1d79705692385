namespace Vigil.Collection.Otlp;

/// <summary>How OTLP metric and attribute names become Prometheus names (Prometheus's <c>otlp.translation_strategy</c>).</summary>
public enum OtlpTranslationStrategy
{
    /// <summary>
    /// The default: characters other than letters, digits (and <c>:</c> in metric names) become <c>_</c>, runs of
    /// underscores collapse, and unit and type suffixes are added (<c>http.server.duration</c> in s becomes
    /// <c>http_server_duration_seconds</c>).
    /// </summary>
    UnderscoreEscapingWithSuffixes,

    /// <summary>Escapes as <see cref="UnderscoreEscapingWithSuffixes"/> but adds no suffixes.</summary>
    UnderscoreEscapingWithoutSuffixes,

    /// <summary>Keeps names as sent (UTF-8) and adds unit and type suffixes (<c>http.server.duration_seconds</c>).</summary>
    NoUTF8EscapingWithSuffixes,

    /// <summary>Keeps names exactly as sent: no escaping, no suffixes.</summary>
    NoTranslation,
}

/// <summary>What each <see cref="OtlpTranslationStrategy"/> does.</summary>
public static class OtlpTranslationStrategyExtensions
{
    /// <summary>True when names are escaped to the legacy character set.</summary>
    public static bool Escapes(this OtlpTranslationStrategy s)
        => s is OtlpTranslationStrategy.UnderscoreEscapingWithSuffixes or OtlpTranslationStrategy.UnderscoreEscapingWithoutSuffixes;

    /// <summary>True when unit and type suffixes are added to metric names.</summary>
    public static bool AddsSuffixes(this OtlpTranslationStrategy s)
        => s is OtlpTranslationStrategy.UnderscoreEscapingWithSuffixes or OtlpTranslationStrategy.NoUTF8EscapingWithSuffixes;

    /// <summary>Parses Prometheus's spelling of a strategy (exact, case-sensitive); false for anything else.</summary>
    public static bool TryParse(string text, out OtlpTranslationStrategy strategy)
    {
        switch (text)
        {
            case nameof(OtlpTranslationStrategy.UnderscoreEscapingWithSuffixes):
                strategy = OtlpTranslationStrategy.UnderscoreEscapingWithSuffixes;
                return true;
            case nameof(OtlpTranslationStrategy.UnderscoreEscapingWithoutSuffixes):
                strategy = OtlpTranslationStrategy.UnderscoreEscapingWithoutSuffixes;
                return true;
            case nameof(OtlpTranslationStrategy.NoUTF8EscapingWithSuffixes):
                strategy = OtlpTranslationStrategy.NoUTF8EscapingWithSuffixes;
                return true;
            case nameof(OtlpTranslationStrategy.NoTranslation):
                strategy = OtlpTranslationStrategy.NoTranslation;
                return true;
            default:
                strategy = default;
                return false;
        }
    }
}
