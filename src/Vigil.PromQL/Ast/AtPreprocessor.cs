namespace Vigil.PromQL.Ast;

/// <summary>The <c>@ start()</c> / <c>@ end()</c> forms of the at-modifier.</summary>
public enum AtPreprocessor
{
    /// <summary>No preprocessor (a literal timestamp or no <c>@</c>).</summary>
    None,

    /// <summary><c>@ start()</c>.</summary>
    Start,

    /// <summary><c>@ end()</c>.</summary>
    End,
}
