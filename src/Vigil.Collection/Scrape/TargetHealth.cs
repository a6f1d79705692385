namespace Vigil.Collection.Scrape;

/// <summary>The health of a target after its last scrape, as <c>/api/v1/targets</c> reports it.</summary>
public enum TargetHealth
{
    /// <summary>Not scraped yet (<c>unknown</c>).</summary>
    Unknown,

    /// <summary>The last scrape succeeded (<c>up</c>).</summary>
    Up,

    /// <summary>The last scrape failed (<c>down</c>).</summary>
    Down,
}
