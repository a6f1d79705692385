using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Core.Labels;

namespace Vigil.Server.Api;

/// <summary>Writes Prometheus HTTP API envelopes: <c>{"status":"success","data":...,"warnings":[...]}</c> and errors.</summary>
internal static class ApiJson
{
    public const string ContentType = "application/json";

    /// <summary>Like Go's encoder without HTML escaping: non-ASCII stays readable, the output is still valid JSON.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Flush to the client after this many pending bytes, so large answers stream instead of buffering.</summary>
    public const int FlushThreshold = 64 * 1024;

    public static Utf8JsonWriter BeginSuccess(HttpContext ctx)
    {
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = ContentType;
        var w = new Utf8JsonWriter(ctx.Response.BodyWriter, WriterOptions);
        w.WriteStartObject();
        w.WriteString("status"u8, "success"u8);
        return w;
    }

    public static async Task EndSuccessAsync(HttpContext ctx, Utf8JsonWriter w, IReadOnlyCollection<string> warnings)
    {
        if (warnings.Count > 0)
        {
            w.WriteStartArray("warnings"u8);
            foreach (var warning in warnings)
            {
                w.WriteStringValue(warning);
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        await w.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Flushes to the client when enough output is pending.</summary>
    public static async ValueTask MaybeFlushAsync(HttpContext ctx, Utf8JsonWriter w)
    {
        if (w.BytesPending >= FlushThreshold)
        {
            w.Flush();
            await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="handler"/>, answering an <see cref="ApiException"/> with Prometheus's error envelope.</summary>
    public static async Task GuardAsync(HttpContext ctx, Func<HttpContext, Task> handler)
    {
        try
        {
            await handler(ctx).ConfigureAwait(false);
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await WriteErrorAsync(ctx, e).ConfigureAwait(false);
        }
    }

    public static async Task WriteErrorAsync(HttpContext ctx, ApiException e)
    {
        ctx.Response.StatusCode = e.StatusCode;
        ctx.Response.ContentType = ContentType;
        await using var w = new Utf8JsonWriter(ctx.Response.BodyWriter, WriterOptions);
        w.WriteStartObject();
        w.WriteString("status"u8, "error"u8);
        w.WriteString("errorType"u8, e.ErrorType);
        w.WriteString("error"u8, e.Message);
        w.WriteEndObject();
        await w.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes a label set as a JSON object in label order.</summary>
    public static void WriteLabels(Utf8JsonWriter w, LabelSet labels)
    {
        w.WriteStartObject();
        foreach (var l in labels.AsSpan())
        {
            w.WriteString(l.Name, l.Value);
        }
        w.WriteEndObject();
    }
}
