using System.Text.RegularExpressions;
using Vigil.PromQL.Ast;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Tests;

public sealed partial class PrinterRoundTripTests
{
    [GeneratedRegex(@"^eval(?:_(?:fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$")]
    private static partial Regex InstantRegex();

    [GeneratedRegex(@"^eval(?:_(?:fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$")]
    private static partial Regex RangeRegex();

    public static IEnumerable<object[]> Files() => TestData.PromQLTestFiles();

    [Theory]
    [MemberData(nameof(Files))]
    public void Print_EveryEvalExpression_ParsesBackToSameTree(string file)
    {
        int count = 0;
        foreach (var (line, expr) in Expressions(TestData.PromQLTestFile(file)))
        {
            var first = PromQLParser.ParseExpr(expr);
            string printed = first.ToString();
            Expr second;
            try
            {
                second = PromQLParser.ParseExpr(printed);
            }
            catch (PromQLParseException e)
            {
                Assert.Fail($"{file}:{line}: printed form '{printed}' of '{expr}' does not parse: {e.Message}");
                return;
            }
            Assert.True(Dump(first) == Dump(second), $"{file}:{line}: '{expr}' printed as '{printed}' parses to a different tree:\n{Dump(first)}\nvs\n{Dump(second)}");
            count++;
        }
        Assert.True(count > 0, $"{file} has no eval statements");
    }

    private static IEnumerable<(int Line, string Expr)> Expressions(string path)
    {
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            string l = lines[i].Trim();
            var m = InstantRegex().Match(l);
            if (m.Success)
            {
                yield return (i + 1, m.Groups[2].Value);
                continue;
            }
            m = RangeRegex().Match(l);
            if (m.Success)
            {
                yield return (i + 1, m.Groups[4].Value);
            }
        }
    }

    /// <summary>A structural dump that ignores positions and parentheses-free printing differences.</summary>
    internal static string Dump(Expr e) => e switch
    {
        NumberLiteral n => "N(" + GoText.FormatFloat(n.Value) + ")",
        StringLiteral s => "S(" + GoText.Quote(s.Value) + ")",
        ParenExpr p => "P(" + Dump(p.Inner) + ")",
        UnaryExpr u => "U" + (u.Negate ? "-" : "+") + "(" + Dump(u.Operand) + ")",
        BinaryExpr b => "B" + b.Op + (b.ReturnBool ? "bool" : string.Empty) + Matching(b.Matching) + "(" + Dump(b.Lhs) + "," + Dump(b.Rhs) + ")",
        AggregateExpr a => "A" + a.Op + (a.Without ? "w" : "b") + "[" + string.Join(",", a.Grouping) + "](" + (a.Param is null ? string.Empty : Dump(a.Param) + ",") + Dump(a.Inner) + ")",
        Call c => "C" + c.Func.Name + "(" + string.Join(",", c.Args.Select(Dump)) + ")",
        VectorSelector v => "V" + v.Name + "{" + string.Join(",", v.Matchers.Select(m => m.ToString()).Order(StringComparer.Ordinal)) + "}" + v.OriginalOffset + (v.OriginalOffsetExpr is null ? string.Empty : Dump(v.OriginalOffsetExpr)) + "@" + v.Timestamp + v.StartOrEnd,
        MatrixSelector m => "M(" + Dump(m.Selector) + ")" + m.Range + (m.RangeExpr is null ? string.Empty : Dump(m.RangeExpr)),
        SubqueryExpr s => "SQ(" + Dump(s.Inner) + ")" + s.Range + ":" + s.Step + (s.RangeExpr is null ? string.Empty : Dump(s.RangeExpr)) + (s.StepExpr is null ? string.Empty : Dump(s.StepExpr)) + "o" + s.OriginalOffset + (s.OriginalOffsetExpr is null ? string.Empty : Dump(s.OriginalOffsetExpr)) + "@" + s.Timestamp + s.StartOrEnd,
        DurationExpr d => "D" + d.Op + (d.Wrapped ? "w" : string.Empty) + "(" + (d.Lhs is null ? string.Empty : Dump(d.Lhs)) + "," + (d.Rhs is null ? string.Empty : Dump(d.Rhs)) + ")",
        _ => e.GetType().Name,
    };

    private static string Matching(VectorMatching? vm)
        => vm is null ? string.Empty : "[" + vm.Card + (vm.On ? "on" : "ig") + string.Join(",", vm.MatchingLabels) + "|" + string.Join(",", vm.Include) + "]";
}
