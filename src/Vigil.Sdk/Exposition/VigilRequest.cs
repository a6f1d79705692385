namespace Vigil.Sdk.Exposition;

/// <summary>One HTTP request as <see cref="VigilEndpoint"/> needs it, filled in by the host (the standalone listener or ASP.NET Core).</summary>
public readonly record struct VigilRequest
{
    /// <summary>The method, such as <c>GET</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The URL path, still percent-encoded (so a tool name containing <c>/</c> arrives as <c>%2F</c>).</summary>
    public required string Path { get; init; }

    /// <summary>The query string without <c>?</c>, or null.</summary>
    public string? Query { get; init; }

    /// <summary>The <c>Accept</c> header, or null.</summary>
    public string? Accept { get; init; }

    /// <summary>The <c>Authorization</c> header, or null.</summary>
    public string? Authorization { get; init; }

    /// <summary>The request body (empty when there is none).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>True when the host listens on an address other than loopback (changing tunables then needs a token).</summary>
    public bool BeyondLoopback { get; init; }
}
