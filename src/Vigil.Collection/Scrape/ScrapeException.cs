namespace Vigil.Collection.Scrape;

/// <summary>A scrape failed before its payload could be parsed (HTTP error, timeout, TLS, body too large).</summary>
internal sealed class ScrapeException : Exception
{
    public ScrapeException(string message)
        : base(message)
    {
    }

    public ScrapeException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ScrapeException()
    {
    }
}
