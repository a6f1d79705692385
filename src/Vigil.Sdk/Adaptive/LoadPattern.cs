namespace Vigil.Sdk.Adaptive;

/// <summary>The shape of a load (the seed's <c>_analyze_load_pattern</c>): each resource's share and what dominates.</summary>
/// <param name="TotalLoad">The sum of the resources' loads.</param>
/// <param name="Distribution">Each resource's share of the total (0 for all when the total is 0), in the order given.</param>
/// <param name="DominantResource">The resource with the largest share (the first of equals).</param>
/// <param name="LoadType"><c>{resource}_intensive</c> when the dominant share exceeds the threshold (0.6 by default), else <c>balanced</c>.</param>
/// <param name="Timestamp">When the load was analysed.</param>
public sealed record LoadPattern(double TotalLoad, IReadOnlyDictionary<string, double> Distribution, string DominantResource, string LoadType, DateTimeOffset Timestamp);
