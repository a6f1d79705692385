using System.CommandLine;
using Vigil.Sdk.Exposition;

namespace Vigil.Cli;

/// <summary>
/// <c>--auth-file</c>, <c>--tls-ca</c> and <c>--insecure-skip-verify</c> for commands that talk to a server with
/// <c>--server</c>, and the <c>VIGIL_TOKEN</c> environment variable.
/// </summary>
internal sealed class ServerAuthOptions
{
    /// <summary>The environment variable holding a bearer token when <c>--auth-file</c> is not given.</summary>
    public const string TokenVariable = "VIGIL_TOKEN";

    private readonly Option<FileInfo?> _authFile = new("--auth-file")
    {
        Description = $"A file holding the credentials for the server: a bearer token, or user:password for basic auth. Default: a bearer token in {TokenVariable}.",
        HelpName = "FILE",
    };

    private readonly Option<FileInfo?> _tlsCa = new("--tls-ca")
    {
        Description = "A PEM file of CA certificates to trust for an https --server (a private CA or a self-signed certificate).",
        HelpName = "FILE",
    };

    private readonly Option<bool> _insecure = new("--insecure-skip-verify")
    {
        Description = "Do not check the https server's certificate (tests only).",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public ServerAuthOptions AddTo(Command command)
    {
        command.Options.Add(_authFile);
        command.Options.Add(_tlsCa);
        command.Options.Add(_insecure);
        return this;
    }

    /// <summary>The server at <paramref name="url"/> with the credentials and TLS trust the options and environment give.</summary>
    public ServerTarget Target(ParseResult result, Uri url)
    {
        VigilServerCredentials? credentials = null;
        if (result.GetValue(_authFile) is { } file)
        {
            try
            {
                credentials = VigilServerCredentials.FromFile(file.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
            {
                throw new CliException($"cannot read --auth-file {file}: {e.Message}");
            }
        }
        else if (Environment.GetEnvironmentVariable(TokenVariable) is { } token && !string.IsNullOrWhiteSpace(token))
        {
            credentials = VigilServerCredentials.Bearer(token);
        }
        var tls = new VigilTlsOptions { CaFile = result.GetValue(_tlsCa)?.FullName, InsecureSkipVerify = result.GetValue(_insecure) };
        return new ServerTarget(url, credentials, tls);
    }
}
