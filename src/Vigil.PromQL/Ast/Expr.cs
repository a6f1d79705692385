using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Ast;

/// <summary>A node of a parsed PromQL expression.</summary>
/// <remarks>
/// Nodes are mutable: the engine resolves duration expressions, <c>@ start()</c>/<c>@ end()</c> and step-invariant
/// parts in place before evaluation, so parse a fresh tree per query. <see cref="ToString"/> prints PromQL that parses
/// back to an equivalent tree.
/// </remarks>
public abstract class Expr
{
    /// <summary>The type of value the expression yields.</summary>
    public abstract ExprType Type { get; }

    /// <summary>Where the expression is in the query text.</summary>
    public abstract PositionRange Position { get; }

    /// <summary>Parser use: the node's depth (1 + its deepest child), 0 until measured.</summary>
    internal int ParseDepth;

    /// <summary>Prints the expression as PromQL.</summary>
    public override string ToString() => AstPrinter.Print(this);
}
