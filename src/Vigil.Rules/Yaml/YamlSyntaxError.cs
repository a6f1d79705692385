namespace Vigil.Rules.Yaml;

/// <summary>A document that is not YAML (or nests too deeply): the 1-based line and column and what is wrong there.</summary>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The 1-based column.</param>
/// <param name="Message">The problem, without YamlDotNet's <c>(Line: …, Col: …)</c> prefix.</param>
internal readonly record struct YamlSyntaxError(int Line, int Column, string Message);
