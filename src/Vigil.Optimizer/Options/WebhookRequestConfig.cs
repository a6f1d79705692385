using Vigil.Core.Config;

namespace Vigil.Optimizer.Options;

/// <summary>One HTTP request of a webhook executor (apply, capture or rollback); URL, header values and body are Go templates.</summary>
public sealed record WebhookRequestConfig
{
    /// <summary>The URL (templated).</summary>
    public required string Url { get; init; }

    /// <summary>The method; POST by default.</summary>
    public string Method { get; init; } = "POST";

    /// <summary>Extra headers (values templated).</summary>
    [Secret("headers")]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body (templated); none when empty.</summary>
    public string Body { get; init; } = string.Empty;

    /// <summary>The body's content type; <c>application/json</c> by default.</summary>
    public string ContentType { get; init; } = "application/json";
}
