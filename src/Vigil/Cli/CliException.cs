namespace Vigil.Cli;

/// <summary>A command failed for a reason the user can act on; printed as <c>vigil: message</c> with exit code 1 (2 for usage errors).</summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
