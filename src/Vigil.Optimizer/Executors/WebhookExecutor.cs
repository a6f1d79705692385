using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// Applies a change with an HTTP request whose URL, headers and body are templates, captures the previous value with an
/// optional request (its answer body), and rolls back with a second request (which usually sends <c>{{ .Previous }}</c>).
/// </summary>
/// <remarks>Any 2xx answer is success; anything else, a connection error or the timeout fails the call with the answer as output.</remarks>
internal sealed class WebhookExecutor : IOptimizationExecutor
{
    private readonly HttpClient _http;
    private readonly CompiledRequest _apply;
    private readonly CompiledRequest? _capture;
    private readonly CompiledRequest _rollback;

    public WebhookExecutor(OptimizationExecutorConfig config, HttpClient http)
    {
        Name = config.Name;
        _http = http;
        _apply = new CompiledRequest(config.Name + ".request", config.Request ?? throw new ArgumentException($"webhook executor {config.Name} needs a request"));
        _capture = config.Capture is null ? null : new CompiledRequest(config.Name + ".capture", config.Capture);
        _rollback = new CompiledRequest(config.Name + ".rollback", config.Rollback ?? throw new ArgumentException($"webhook executor {config.Name} needs a rollback request"));
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
        string url = template.Url.Render(fields).Trim();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ExecutorException($"webhook {Name} ({phase}): \"{url}\" is not an absolute http or https URL");
        }
        using var request = new HttpRequestMessage(new HttpMethod(template.Method), uri);
        if (template.Body is not null)
        {
            request.Content = new StringContent(template.Body.Render(fields), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(template.ContentType);
        }
        foreach (var (name, value) in template.Headers)
        {
            string v = value.Render(fields);
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
            Url = ActionTemplate.Parse(name + ".url", config.Url);
            Body = config.Body.Length == 0 ? null : ActionTemplate.Parse(name + ".body", config.Body);
            Headers = config.Headers.Select(h => (h.Key, ActionTemplate.Parse(name + ".headers." + h.Key, h.Value))).ToList();
        }

        public string Method { get; }

        public string ContentType { get; }

        public ActionTemplate Url { get; }

        public ActionTemplate? Body { get; }

        public List<(string Name, ActionTemplate Value)> Headers { get; }
    }
}
