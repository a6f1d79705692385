using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// A real Kestrel service on a free loopback port that serves the tunables contract of docs/TUNABLES.md: bearer token on
/// every request, <c>GET /vigil/tunables</c>, <c>GET</c>/<c>PUT /vigil/tunables/{name}</c>, bounds and enum members checked,
/// 400/401/404 with <c>{"error": ...}</c>.
/// </summary>
internal sealed class TunableApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _lock = new();
    private readonly Dictionary<string, Knob> _knobs = new(StringComparer.Ordinal);
    private readonly List<string> _requests = new();

    private TunableApp(WebApplication app, string? token)
    {
        _app = app;
        Token = token;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public string? Token { get; }

    /// <summary>Answer every PUT with 500 (to test failing executors).</summary>
    public bool FailPuts { get; set; }

    /// <summary>Every request as "METHOD path", in order.</summary>
    public List<string> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<TunableApp> StartAsync(string? token = "s3cret")
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        var tunables = new TunableApp(app, token);
        app.UseRouting();
        app.MapGet("/vigil/tunables", tunables.ListAsync);
        app.MapGet("/vigil/tunables/{name}", tunables.GetAsync);
        app.MapPut("/vigil/tunables/{name}", tunables.PutAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        tunables.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return tunables;
    }

    public void AddInteger(string name, long value, long min, long max)
    {
        lock (_lock)
        {
            _knobs[name] = new Knob(name, "integer", value, min, max, []);
        }
    }

    public void AddEnum(string name, string value, params string[] values)
    {
        lock (_lock)
        {
            _knobs[name] = new Knob(name, "enum", value, null, null, values);
        }
    }

    /// <summary>The knob's value as the app holds it (a long or a string).</summary>
    public object Value(string name)
    {
        lock (_lock)
        {
            return _knobs[name].Value;
        }
    }

    /// <summary>Changes a knob behind the optimizer's back (e.g. to simulate a half-applied change).</summary>
    public void Set(string name, object value)
    {
        lock (_lock)
        {
            _knobs[name].Value = value;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private bool Authorized(HttpContext ctx)
    {
        lock (_lock)
        {
            _requests.Add(ctx.Request.Method + " " + ctx.Request.Path);
        }
        return Token is null || ctx.Request.Headers.Authorization.ToString() == "Bearer " + Token;
    }

    private async Task ListAsync(HttpContext ctx)
    {
        if (!Authorized(ctx))
        {
            await ErrorAsync(ctx, 401, "missing or wrong bearer token");
            return;
        }
        List<Knob> knobs;
        lock (_lock)
        {
            knobs = [.. _knobs.Values];
        }
        await WriteAsync(ctx, 200, w =>
        {
            w.WriteStartArray();
            foreach (var k in knobs)
            {
                k.Write(w);
            }
            w.WriteEndArray();
        });
    }

    private async Task GetAsync(HttpContext ctx)
    {
        if (!Authorized(ctx))
        {
            await ErrorAsync(ctx, 401, "missing or wrong bearer token");
            return;
        }
        Knob? knob;
        lock (_lock)
        {
            _knobs.TryGetValue((string)ctx.Request.RouteValues["name"]!, out knob);
        }
        if (knob is null)
        {
            await ErrorAsync(ctx, 404, "no such tunable");
            return;
        }
        await WriteAsync(ctx, 200, knob.Write);
    }

    private async Task PutAsync(HttpContext ctx)
    {
        if (!Authorized(ctx))
        {
            await ErrorAsync(ctx, 401, "missing or wrong bearer token");
            return;
        }
        if (FailPuts)
        {
            await ErrorAsync(ctx, 500, "the knob is stuck");
            return;
        }
        string name = (string)ctx.Request.RouteValues["name"]!;
        using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
        if (!doc.RootElement.TryGetProperty("value", out var value))
        {
            await ErrorAsync(ctx, 400, "the body needs a value");
            return;
        }
        string? error = null;
        Knob? knob;
        lock (_lock)
        {
            if (_knobs.TryGetValue(name, out knob))
            {
                if (knob.Kind == "integer")
                {
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long l))
                    {
                        error = "value must be an integer";
                    }
                    else if (l < knob.Min || l > knob.Max)
                    {
                        error = string.Create(CultureInfo.InvariantCulture, $"{l} is outside [{knob.Min}, {knob.Max}]");
                    }
                    else
                    {
                        knob.Value = l;
                    }
                }
                else if (value.ValueKind != JsonValueKind.String || !knob.Values.Contains(value.GetString()))
                {
                    error = "value must be one of " + string.Join(", ", knob.Values);
                }
                else
                {
                    knob.Value = value.GetString()!;
                }
            }
        }
        if (knob is null)
        {
            await ErrorAsync(ctx, 404, "no such tunable");
        }
        else if (error is not null)
        {
            await ErrorAsync(ctx, 400, error);
        }
        else
        {
            await WriteAsync(ctx, 200, knob.Write);
        }
    }

    private static Task ErrorAsync(HttpContext ctx, int status, string message)
    {
        if (status == 401)
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
        }
        return WriteAsync(ctx, status, w =>
        {
            w.WriteStartObject();
            w.WriteString("error", message);
            w.WriteEndObject();
        });
    }

    private static async Task WriteAsync(HttpContext ctx, int status, Action<Utf8JsonWriter> write)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    private sealed class Knob(string name, string kind, object value, long? min, long? max, string[] values)
    {
        public string Name { get; } = name;

        public string Kind { get; } = kind;

        public object Value { get; set; } = value;

        public long? Min { get; } = min;

        public long? Max { get; } = max;

        public string[] Values { get; } = values;

        public void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("name", Name);
            w.WriteString("kind", Kind);
            if (Value is long l)
            {
                w.WriteNumber("value", l);
            }
            else
            {
                w.WriteString("value", (string)Value);
            }
            if (Min is { } min)
            {
                w.WriteNumber("min", min);
            }
            else
            {
                w.WriteNull("min");
            }
            if (Max is { } max)
            {
                w.WriteNumber("max", max);
            }
            else
            {
                w.WriteNull("max");
            }
            if (Kind == "enum")
            {
                w.WriteStartArray("values");
                foreach (var v in Values)
                {
                    w.WriteStringValue(v);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
    }
}
