namespace Vigil.Sdk.Adaptive;

/// <summary>The analysis of one load and the demand predicted from it and the scope's history.</summary>
/// <param name="Scope">What the load belongs to (a tool, a component).</param>
/// <param name="Pattern">The analysed load.</param>
/// <param name="PredictedDemand">Each resource's predicted share of demand.</param>
/// <param name="HistoryUsed">How many earlier observations of the scope went into the prediction.</param>
public sealed record DemandForecast(string Scope, LoadPattern Pattern, IReadOnlyDictionary<string, double> PredictedDemand, int HistoryUsed);
