using System.Text;
using Vigil.Core.Exposition;
using Vigil.PromQL.Parser;
using Vigil.Server.Config;
using Vigil.Core.Config;
using Vigil.Rules;

namespace Vigil.Fuzz;

/// <summary>The fuzz targets, one per parser that reads input a user or an attacker controls.</summary>
internal static class Targets
{
    private static readonly Lazy<PushEndpoints> s_push = new(() => new PushEndpoints());

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("promql", "PromQL parser and type checker (PromQLParser.ParseExpr), then print, prettify and re-parse; "
            + "PromQLParseException is a clean refusal, a printed form that does not parse back to itself is a finding", PromQL),
        new("text", "Prometheus text format 0.0.4 (ExpositionParser, labels and metadata of every entry, ParseFamilies); "
            + "ExpositionParseException is a clean refusal", b => Exposition(b, ExpositionFormatKind.PrometheusText)),
        new("openmetrics", "OpenMetrics 1.0 text (ExpositionParser, ParseFamilies); ExpositionParseException is a clean refusal",
            b => Exposition(b, ExpositionFormatKind.OpenMetrics)),
        new("config", "vigil.yaml loader (VigilConfig.Parse); ConfigException is a clean refusal", Config),
        new("rules", "rule-file parser (RuleFileParser.Parse); errors are returned in the result, so any exception is a finding", Rules),
        new("push-text", "POST /api/v1/import/prometheus handler over an in-memory head; a 4xx JSON answer is a clean refusal, "
            + "an escaping exception or a 5xx is a finding", b => s_push.Value.ImportText(b)),
        new("push-json", "POST /api/v1/push handler over an in-memory head; a 4xx JSON answer is a clean refusal, "
            + "an escaping exception or a 5xx is a finding", b => s_push.Value.PushJson(b)),
        new("wal-record", "WAL record decoder (WalRecordDecoder.DecodeSeries/DecodeSamples); InvalidDataException is a clean refusal",
            WalTargets.Record),
        new("wal-replay", "start-up replay of a data directory whose WAL segment or checkpoint holds the input (checksums fixed up "
            + "unless the first byte says not to): TsdbStorage.Open then Dispose; StorageException is a clean refusal", WalTargets.Replay),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    private static Outcome PromQL(byte[] input)
    {
        string query = Encoding.UTF8.GetString(input);
        Vigil.PromQL.Ast.Expr expr;
        try
        {
            expr = PromQLParser.ParseExpr(query);
        }
        catch (PromQLParseException)
        {
            return Outcome.Rejected;
        }
        string printed = expr.ToString();
        _ = PromQLParser.Prettify(expr);
        string again;
        try
        {
            again = PromQLParser.ParseExpr(printed).ToString();
        }
        catch (PromQLParseException e)
        {
            throw new FuzzFindingException($"round trip: the printed form of a valid query does not parse: {printed} -> {e.Message}", e);
        }
        if (again != printed)
        {
            throw new FuzzFindingException($"round trip: printing is not stable: {printed} -> {again}");
        }
        return Outcome.Accepted;
    }

    private static Outcome Exposition(byte[] input, ExpositionFormatKind format)
    {
        try
        {
            var parser = new ExpositionParser(input, format);
            ExpositionEntry entry;
            while ((entry = parser.Next()) != ExpositionEntry.EndOfInput)
            {
                switch (entry)
                {
                    case ExpositionEntry.Series:
                        _ = parser.BuildLabelSet();
                        _ = parser.Value;
                        _ = parser.TimestampMs;
                        break;
                    case ExpositionEntry.Type or ExpositionEntry.Help or ExpositionEntry.Unit:
                        _ = parser.GetMetricName();
                        _ = parser.GetText();
                        break;
                    default:
                        _ = parser.GetText();
                        break;
                }
            }
            _ = ExpositionParser.ParseFamilies(input, format);
            return Outcome.Accepted;
        }
        catch (ExpositionParseException)
        {
            return Outcome.Rejected;
        }
    }

    private static Outcome Config(byte[] input)
    {
        try
        {
            _ = VigilConfig.Parse(Encoding.UTF8.GetString(input), "vigil.yaml", Scratch.Directory);
            return Outcome.Accepted;
        }
        catch (ConfigException)
        {
            return Outcome.Rejected;
        }
    }

    private static Outcome Rules(byte[] input)
    {
        var result = RuleFileParser.Parse(Encoding.UTF8.GetString(input), "rules.yml");
        return result.Errors.Count == 0 ? Outcome.Accepted : Outcome.Rejected;
    }
}
