using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.PromQL.Templates;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// Applies a change with an HTTP request whose URL, headers and body are templates, captures the previous value with an
/// optional request (its answer body), and rolls back with a second request (which usually sends <c>{{ .Previous }}</c>).
/// </summary>
/// <remarks>
/// Any 2xx answer is success; anything else, a connection error or the timeout fails the call with the answer as output.
/// Template values are escaped for where they land (<see cref="TemplateEscaper"/>): percent-encoded in the URL (which
/// must name its scheme and host literally) and in form bodies, JSON-escaped in JSON bodies; a header value holding a
/// line break is refused. The host must be in <c>optimization.allowed_webhook_hosts</c> when that is set.
/// </remarks>
internal sealed class WebhookExecutor : IOptimizationExecutor
{
    private readonly HttpClient _http;
    private readonly ExecutorAllowList _allow;
    private readonly CompiledRequest _apply;
    private readonly CompiledRequest? _capture;
    private readonly CompiledRequest _rollback;

    public WebhookExecutor(OptimizationExecutorConfig config, HttpClient http, ExecutorAllowList? allow = null)
    {
        Name = config.Name;
        _http = http;
        _allow = allow ?? ExecutorAllowList.None;
        _apply = Compile(config.Name, "request", config.Request ?? throw new ArgumentException($"webhook executor {config.Name} needs a request"));
        _capture = config.Capture is null ? null : Compile(config.Name, "capture", config.Capture);
        _rollback = Compile(config.Name, "rollback", config.Rollback ?? throw new ArgumentException($"webhook executor {config.Name} needs a rollback request"));
    }

    /// <summary>
    /// Null when <paramref name="url"/> names its scheme and host literally (templates only after them) and the host is
    /// allowed; otherwise the problem. A template there would let a label's value choose where the request goes.
    /// </summary>
    public static string? CheckUrlTemplate(string url, ExecutorAllowList allow)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        int template = url.IndexOf("{{", StringComparison.Ordinal);
        int authorityEnd = scheme < 0 ? -1 : url.IndexOfAny(['/', '?', '#'], scheme + 3);
        if (authorityEnd < 0)
        {
            authorityEnd = url.Length;
        }
        if (scheme < 0 || (template >= 0 && template < authorityEnd))
        {
            return "write the scheme and host of the URL literally (http://host:port/...); templates may appear only in the path and query";
        }
        if (!Uri.TryCreate(url[..authorityEnd] + "/", UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"\"{url}\" does not start with an http or https scheme and host";
        }
        return allow.CheckUrl(uri);
    }

    private CompiledRequest Compile(string executor, string key, WebhookRequestConfig config)
    {
        if (CheckUrlTemplate(config.Url, _allow) is { } problem)
        {
            throw new ArgumentException($"webhook executor {executor}: {key}.url: {problem}");
        }
        return new CompiledRequest(executor + "." + key, config);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "webhook";

    /// <inheritdoc />
    public async Task<string?> CaptureAsync(OptimizationExecution execution, CancellationToken ct)
    {
        if (_capture is null)
        {
            return null;
        }
        var (_, body) = await SendAsync(_capture, execution, "capture", ct).ConfigureAwait(false);
        return body.Trim();
    }

    /// <inheritdoc />
    public async Task<ExecutorResult> ApplyAsync(OptimizationExecution execution, CancellationToken ct)
    {
        var (status, body) = await SendAsync(_apply, execution, "apply", ct).ConfigureAwait(false);
        return new ExecutorResult(null, status + Environment.NewLine + body);
    }

    /// <inheritdoc />
    public async Task<ExecutorResult> RollbackAsync(OptimizationExecution execution, CancellationToken ct)
    {
        var (status, body) = await SendAsync(_rollback, execution, "rollback", ct).ConfigureAwait(false);
        return new ExecutorResult(execution.PreviousValue, status + Environment.NewLine + body);
    }

    private async Task<(string Status, string Body)> SendAsync(CompiledRequest template, OptimizationExecution execution, string phase, CancellationToken ct)
    {
        var fields = ActionTemplate.Fields(execution, phase);
        string url = template.Url.Render(fields, TemplateEscaper.UrlComponent).Trim();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ExecutorException($"webhook {Name} ({phase}): \"{url}\" is not an absolute http or https URL");
        }
        if (_allow.CheckUrl(uri) is { } denied)
        {
            throw new ExecutorException($"webhook {Name} ({phase}): {denied}");
        }
        using var request = new HttpRequestMessage(new HttpMethod(template.Method), uri);
        if (template.Body is not null)
        {
            request.Content = new StringContent(template.Body.Render(fields, template.BodyEscaper), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(template.ContentType);
        }
        foreach (var (name, value) in template.Headers)
        {
            string v = value.Render(fields);
            if (v.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                // Note: a line break in a value would start a header of the sender's choosing.
                throw new ExecutorException($"webhook {Name} ({phase}): the value of header {name} holds a line break or NUL");
            }
            if (!request.Headers.TryAddWithoutValidation(name, v))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, v);
            }
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ExecutorException($"webhook {Name} ({phase}): {template.Method} {uri} failed: {e.Message}");
        }
        using (response)
        {
            string body = ExecutorOutput.Truncate(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            string status = string.Create(CultureInfo.InvariantCulture, $"{template.Method} {uri} -> {(int)response.StatusCode} {response.ReasonPhrase}");
            if (!response.IsSuccessStatusCode)
            {
                throw new ExecutorException($"webhook {Name} ({phase}): {status}", body);
            }
            return (status, body);
        }
    }

    /// <summary>A request with its templates parsed once.</summary>
    private sealed class CompiledRequest
    {
        public CompiledRequest(string name, WebhookRequestConfig config)
        {
            Method = config.Method.ToUpperInvariant();
            ContentType = config.ContentType;
            BodyEscaper = BodyContext(config.ContentType);
            Url = ActionTemplate.Parse(name + ".url", config.Url);
            Body = config.Body.Length == 0 ? null : ActionTemplate.Parse(name + ".body", config.Body);
            Headers = config.Headers.Select(h => (h.Key, ActionTemplate.Parse(name + ".headers." + h.Key, h.Value))).ToList();
        }

        public string Method { get; }

        public string ContentType { get; }

        /// <summary>How template values are escaped in the body: JSON for JSON media types, percent-encoding for forms, none otherwise.</summary>
        public TemplateEscaper? BodyEscaper { get; }

        public ActionTemplate Url { get; }

        public ActionTemplate? Body { get; }

        public List<(string Name, ActionTemplate Value)> Headers { get; }

        private static TemplateEscaper? BodyContext(string contentType)
        {
            string media = MediaTypeHeaderValue.TryParse(contentType, out var m) ? m.MediaType ?? string.Empty : string.Empty;
            if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            {
                return TemplateEscaper.Json;
            }
            return media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ? TemplateEscaper.UrlComponent : null;
        }
    }
}
