namespace Vigil.PromQL.Ast;

/// <summary>The signature of a PromQL function.</summary>
/// <param name="Name">Function name.</param>
/// <param name="ArgTypes">Declared argument types; the last repeats for variadic functions.</param>
/// <param name="Variadic">0: exactly <c>ArgTypes.Length</c> arguments; n &gt; 0: up to n optional trailing ones; -1: unlimited.</param>
/// <param name="ReturnType">Result type.</param>
/// <param name="Experimental">True for functions Prometheus gates behind <c>promql-experimental-functions</c>.</param>
public sealed record FunctionDef(string Name, ExprType[] ArgTypes, int Variadic, ExprType ReturnType, bool Experimental = false);
