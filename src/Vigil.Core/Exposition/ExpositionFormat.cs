using System.Globalization;

namespace Vigil.Core.Exposition;

/// <summary>Content types of the text exposition formats and the choice between them.</summary>
public static class ExpositionFormat
{
    /// <summary>
    /// The <c>Accept</c> header Prometheus 3 sends on scrapes with its default <c>scrape_protocols</c> (without protobuf):
    /// OpenMetrics preferred, the text format accepted, anything else as a last resort.
    /// </summary>
    public const string ScrapeAcceptHeader =
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6," +
        "application/openmetrics-text;version=0.0.1;q=0.5," +
        "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4," +
        "text/plain;version=0.0.4;q=0.3," +
        "*/*;q=0.2";

    /// <summary>The <c>Content-Type</c> of the Prometheus text format 0.0.4.</summary>
    public const string PrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The <c>Content-Type</c> of OpenMetrics 1.0.</summary>
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private const string OpenMetricsMediaType = "application/openmetrics-text";

    /// <summary>
    /// Picks the parser for a scrape response: <c>application/openmetrics-text</c> (any parameters, any case) is
    /// OpenMetrics; everything else, including a missing header, is the Prometheus text format.
    /// </summary>
    public static ExpositionFormatKind FromContentType(string? contentType)
        => contentType is not null && MediaType(contentType).Equals(OpenMetricsMediaType, StringComparison.OrdinalIgnoreCase)
            ? ExpositionFormatKind.OpenMetrics
            : ExpositionFormatKind.PrometheusText;

    /// <summary>The <c>Content-Type</c> header value to send with a payload of <paramref name="format"/>.</summary>
    public static string ContentType(ExpositionFormatKind format)
        => format == ExpositionFormatKind.OpenMetrics ? OpenMetricsContentType : PrometheusTextContentType;

    /// <summary>
    /// Picks the format to serve for a request's <c>Accept</c> header: OpenMetrics when the client lists
    /// <c>application/openmetrics-text</c> with a quality at least as high as any text or wildcard entry, else text.
    /// </summary>
    public static ExpositionFormatKind FromAcceptHeader(string? accept)
    {
        if (string.IsNullOrEmpty(accept))
        {
            return ExpositionFormatKind.PrometheusText;
        }
        double openMetrics = -1;
        double other = -1;
        var header = accept.AsSpan();
        foreach (var range in header.Split(','))
        {
            var entry = header[range];
            var media = MediaType(entry);
            double q = Quality(entry);
            if (media.Equals(OpenMetricsMediaType, StringComparison.OrdinalIgnoreCase))
            {
                openMetrics = Math.Max(openMetrics, q);
            }
            else if (media.Equals("text/plain", StringComparison.OrdinalIgnoreCase) || media.Equals("*/*", StringComparison.Ordinal)
                     || media.Equals("text/*", StringComparison.OrdinalIgnoreCase))
            {
                other = Math.Max(other, q);
            }
        }
        return openMetrics > 0 && openMetrics >= other ? ExpositionFormatKind.OpenMetrics : ExpositionFormatKind.PrometheusText;
    }

    private static ReadOnlySpan<char> MediaType(ReadOnlySpan<char> headerEntry)
    {
        int semicolon = headerEntry.IndexOf(';');
        return (semicolon < 0 ? headerEntry : headerEntry[..semicolon]).Trim();
    }

    private static double Quality(ReadOnlySpan<char> entry)
    {
        foreach (var range in entry.Split(';'))
        {
            var parameter = entry[range].Trim();
            if (parameter.Length > 2 && (parameter[0] == 'q' || parameter[0] == 'Q') && parameter[1] == '=')
            {
                return double.TryParse(parameter[2..], NumberStyles.Float, CultureInfo.InvariantCulture, out double q) ? q : 0;
            }
        }
        return 1;
    }
}
