namespace Vigil.PromQL.Ast;

/// <summary>The <c>on</c>/<c>ignoring</c> and <c>group_left</c>/<c>group_right</c> modifiers of a binary operation.</summary>
public sealed class VectorMatching
{
    /// <summary>The matching cardinality.</summary>
    public VectorMatchCardinality Card { get; set; }

    /// <summary>Labels listed in <c>on(...)</c> or <c>ignoring(...)</c>.</summary>
    public List<string> MatchingLabels { get; set; } = [];

    /// <summary>True for <c>on</c>, false for <c>ignoring</c> (or no modifier).</summary>
    public bool On { get; set; }

    /// <summary>Extra labels copied from the "one" side (<c>group_left(...)</c>).</summary>
    public List<string> Include { get; set; } = [];

    /// <summary>The value used for a missing left-hand sample (<c>fill_left(v)</c> or <c>fill(v)</c>); null when not filled.</summary>
    public double? FillLeft { get; set; }

    /// <summary>The value used for a missing right-hand sample (<c>fill_right(v)</c> or <c>fill(v)</c>); null when not filled.</summary>
    public double? FillRight { get; set; }
}
