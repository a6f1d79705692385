using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Optimizer.ExecutorTestSupport;
using static Vigil.Server.Tests.Optimizer.OptimizerConfigs;

namespace Vigil.Server.Tests.Optimizer;

public sealed class WebhookExecutorTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Method, string PathAndQuery, string ContentType, string Header, string Body)> _received = new();
    private readonly HttpClient _http = new();
    private TestWebServer _server = null!;
    private int _status = 200;
    private string _size = "12";

    public async Task InitializeAsync()
        => _server = await TestWebServer.StartAsync(async ctx =>
        {
            string body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            // Note: the raw request target, as sent (Request.Path would be percent-decoded).
            _received.Enqueue((ctx.Request.Method, ctx.Features.Get<IHttpRequestFeature>()!.RawTarget, ctx.Request.ContentType ?? string.Empty,
                ctx.Request.Headers["X-Reason"].ToString(), body));
            ctx.Response.StatusCode = _status;
            await ctx.Response.WriteAsync(ctx.Request.Path == "/size" ? _size + "\n" : _status == 200 ? "ok" : "scaler is down");
        });

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private WebhookExecutor Executor() => new(new OptimizationExecutorConfig
    {
        Name = "scaler",
        Type = OptimizationExecutorKind.Webhook,
        Request = new WebhookRequestConfig
        {
            Url = _server.BaseAddress + "scale/{{ .Labels.service }}",
            Headers = new Dictionary<string, string> { ["X-Reason"] = "{{ .Signal }} at {{ .Value }}" },
            Body = """{"target": {{ .Target | printf "%q" }}, "by": {{ .Parameters.by }}, "id": "{{ .ID }}", "phase": "{{ .Phase }}"}""",
        },
        Capture = new WebhookRequestConfig { Url = _server.BaseAddress + "size?t={{ .Target | urlquery }}", Method = "GET" },
        Rollback = new WebhookRequestConfig
        {
            Url = _server.BaseAddress + "size",
            Method = "PUT",
            Body = """{"size": {{ .Previous }}}""",
        },
    }, _http);

    [Fact]
    public async Task CaptureApplyRollback_SendTemplatedRequestsAndRestoreTheCapturedValue()
    {
        var executor = Executor();
        var e = Execution(Params(("by", "2")));

        string? previous = await executor.CaptureAsync(e, CancellationToken.None);
        var applied = await executor.ApplyAsync(e, CancellationToken.None);
        e = e with { PreviousValue = previous };
        var rolledBack = await executor.RollbackAsync(e, CancellationToken.None);

        Assert.Equal("12", previous);
        var requests = _received.ToArray();
        Assert.Equal(3, requests.Length);
        Assert.Equal(("GET", "/size?t=svc%2Fpool", string.Empty), (requests[0].Method, requests[0].PathAndQuery, requests[0].Body));
        Assert.Equal("POST", requests[1].Method);
        Assert.Equal("/scale/checkout", requests[1].PathAndQuery);
        Assert.Equal("application/json", requests[1].ContentType);
        Assert.Equal("HighLatency at 0.75", requests[1].Header);
        Assert.Equal("""{"target": "svc/pool", "by": 2, "id": "0123456789abcdef", "phase": "apply"}""", requests[1].Body);
        Assert.Equal(("PUT", "/size", """{"size": 12}"""), (requests[2].Method, requests[2].PathAndQuery, requests[2].Body));
        Assert.StartsWith("POST " + _server.BaseAddress + "scale/checkout -> 200 OK", applied.Output, StringComparison.Ordinal);
        Assert.Equal("12", rolledBack.Value);
    }

    [Fact]
    public async Task Apply_Non2xx_FailsWithTheStatusAndTheAnswerAsOutput()
    {
        _status = 503;
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => Executor().ApplyAsync(Execution(Params(("by", "2"))), CancellationToken.None));
        Assert.Equal($"webhook scaler (apply): POST {_server.BaseAddress}scale/checkout -> 503 Service Unavailable", ex.Message);
        Assert.Equal("scaler is down", ex.Output);
    }

    [Fact]
    public async Task Apply_TemplateNamesAnUnknownField_FailsNamingTheTemplate()
    {
        var executor = new WebhookExecutor(new OptimizationExecutorConfig
        {
            Name = "bad",
            Type = OptimizationExecutorKind.Webhook,
            Request = new WebhookRequestConfig { Url = _server.BaseAddress.ToString(), Body = "{{ .Nope }}" },
            Rollback = new WebhookRequestConfig { Url = _server.BaseAddress.ToString() },
        }, _http);
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => executor.ApplyAsync(Execution(Params()), CancellationToken.None));
        Assert.StartsWith("template: bad.request.body:1:4: executing \"bad.request.body\" at <.Nope>: can't evaluate field Nope", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_received);
    }

    [Theory]
    [InlineData("{{ .Parameters.url }}")]
    [InlineData("http://{{ .Labels.host }}/scale")]
    [InlineData("http://127.0.0.1:{{ .Parameters.port }}/scale")]
    [InlineData("{{ .Parameters.scheme }}://127.0.0.1/scale")]
    public void Ctor_TemplateInSchemeOrHost_Refused(string url)
    {
        var ex = Assert.Throws<ArgumentException>(() => new WebhookExecutor(new OptimizationExecutorConfig
        {
            Name = "anywhere",
            Type = OptimizationExecutorKind.Webhook,
            Request = new WebhookRequestConfig { Url = url },
            Rollback = new WebhookRequestConfig { Url = _server.BaseAddress.ToString() },
        }, _http));
        Assert.Equal("webhook executor anywhere: request.url: write the scheme and host of the URL literally (http://host:port/...); templates may appear only in the path and query", ex.Message);
    }

    /// <summary>A label value that tries to leave its place in the URL, the JSON body and the headers.</summary>
    private const string Hostile = "x\", \"admin\": true, \"y\": \"/../../admin?drop=1&z=#frag";

    private static OptimizationExecution HostileExecution()
    {
        var e = Execution(Params(("by", "2")));
        e = e with { Trigger = e.Trigger! with { Labels = new Dictionary<string, string> { ["service"] = Hostile } } };
        return e;
    }

    [Fact]
    public async Task Apply_HostileLabel_UrlEncodedInTheUrlAndJsonEscapedInTheBody()
    {
        var executor = new WebhookExecutor(new OptimizationExecutorConfig
        {
            Name = "escaping",
            Type = OptimizationExecutorKind.Webhook,
            Request = new WebhookRequestConfig
            {
                Url = _server.BaseAddress + "scale/{{ .Labels.service }}?by={{ .Parameters.by }}&again={{ .Labels.service | urlquery }}",
                Body = """{"service": "{{ .Labels.service }}", "quoted": {{ .Labels.service | printf "%q" }}, "by": {{ .Parameters.by }}}""",
            },
            Rollback = new WebhookRequestConfig { Url = _server.BaseAddress + "size" },
        }, _http);

        await executor.ApplyAsync(HostileExecution(), CancellationToken.None);

        var request = Assert.Single(_received);
        string encoded = Uri.EscapeDataString(Hostile);
        Assert.Equal("/scale/" + encoded + "?by=2&again=" + Uri.EscapeDataString(Hostile).Replace("%20", "+", StringComparison.Ordinal), request.PathAndQuery);
        using var body = System.Text.Json.JsonDocument.Parse(request.Body);
        Assert.Equal(["service", "quoted", "by"], body.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Hostile, body.RootElement.GetProperty("service").GetString());
        Assert.Equal(Hostile, body.RootElement.GetProperty("quoted").GetString());
    }

    [Fact]
    public async Task Apply_FormBody_ValuesPercentEncoded()
    {
        var executor = new WebhookExecutor(new OptimizationExecutorConfig
        {
            Name = "form",
            Type = OptimizationExecutorKind.Webhook,
            Request = new WebhookRequestConfig
            {
                Url = _server.BaseAddress + "scale",
                Body = "service={{ .Labels.service }}&by={{ .Parameters.by }}",
                ContentType = "application/x-www-form-urlencoded",
            },
            Rollback = new WebhookRequestConfig { Url = _server.BaseAddress + "size" },
        }, _http);

        await executor.ApplyAsync(HostileExecution(), CancellationToken.None);

        var form = System.Web.HttpUtility.ParseQueryString(Assert.Single(_received).Body);
        Assert.Equal(Hostile, form["service"]);
        Assert.Equal("2", form["by"]);
        Assert.Equal(2, form.Count);
    }

    [Fact]
    public async Task Apply_LineBreakInHeaderValue_RefusedAndNothingSent()
    {
        var executor = new WebhookExecutor(new OptimizationExecutorConfig
        {
            Name = "headers",
            Type = OptimizationExecutorKind.Webhook,
            Request = new WebhookRequestConfig
            {
                Url = _server.BaseAddress + "scale",
                Headers = new Dictionary<string, string> { ["X-Reason"] = "{{ .Labels.service }}" },
            },
            Rollback = new WebhookRequestConfig { Url = _server.BaseAddress + "size" },
        }, _http);
        var e = Execution(Params());
        e = e with { Trigger = e.Trigger! with { Labels = new Dictionary<string, string> { ["service"] = "a\r\nX-Admin: yes" } } };

        var ex = await Assert.ThrowsAsync<ExecutorException>(() => executor.ApplyAsync(e, CancellationToken.None));

        Assert.Equal("webhook headers (apply): the value of header X-Reason holds a line break or NUL", ex.Message);
        Assert.Empty(_received);
    }

    [Fact]
    public void Ctor_HostNotInTheAllowList_Refused()
    {
        var allow = new ExecutorAllowList([], ["ops.example.com", "*.svc.cluster.local"]);

        var ex = Assert.Throws<ArgumentException>(() => new WebhookExecutor(new OptimizationExecutorConfig
        {
            Name = "elsewhere",
            Type = OptimizationExecutorKind.Webhook,
            Request = new WebhookRequestConfig { Url = _server.BaseAddress + "scale" },
            Rollback = new WebhookRequestConfig { Url = "https://ops.example.com/size" },
        }, _http, allow));

        Assert.Equal($"webhook executor elsewhere: request.url: host 127.0.0.1:{_server.BaseAddress.Port} is not in optimization.allowed_webhook_hosts (ops.example.com, *.svc.cluster.local)", ex.Message);
    }

    [Fact]
    public async Task Apply_HostInTheAllowList_Sent()
    {
        var allow = new ExecutorAllowList([], [$"127.0.0.1:{_server.BaseAddress.Port}"]);
        var executor = new WebhookExecutor(new OptimizationExecutorConfig
        {
            Name = "allowed",
            Type = OptimizationExecutorKind.Webhook,
            Request = new WebhookRequestConfig { Url = _server.BaseAddress + "scale" },
            Rollback = new WebhookRequestConfig { Url = _server.BaseAddress + "size" },
        }, _http, allow);

        await executor.ApplyAsync(Execution(Params()), CancellationToken.None);

        Assert.Equal("/scale", Assert.Single(_received).PathAndQuery);
    }

    [Fact]
    public async Task Apply_Unreachable_FailsNamingTheUrl()
    {
        var executor = new WebhookExecutor(new OptimizationExecutorConfig
        {
            Name = "down",
            Type = OptimizationExecutorKind.Webhook,
            Request = new WebhookRequestConfig { Url = "http://127.0.0.1:1/scale" },
            Rollback = new WebhookRequestConfig { Url = "http://127.0.0.1:1/scale" },
        }, _http);
        var ex = await Assert.ThrowsAsync<ExecutorException>(() => executor.ApplyAsync(Execution(Params()), CancellationToken.None));
        Assert.StartsWith("webhook down (apply): POST http://127.0.0.1:1/scale failed: ", ex.Message, StringComparison.Ordinal);
    }
}
