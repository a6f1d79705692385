using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Collection.Otlp;
using Vigil.Collection.Otlp.Proto;
using Vigil.Core.Storage;

namespace Vigil.Server.Api;

/// <summary>
/// OTLP/HTTP metrics: <c>POST /v1/metrics</c> and Prometheus 3's <c>POST /api/v1/otlp/v1/metrics</c>, with a protobuf
/// (<c>application/x-protobuf</c>) or OTLP/JSON (<c>application/json</c>) body, plain or gzip.
/// </summary>
/// <remarks>
/// Success is 200 with an <c>ExportMetricsServiceResponse</c> in the request's encoding, carrying OTLP's partial success
/// when data points were dropped (repeated delta points, no room for another delta series). Invalid input is 400 and
/// stores nothing: a protobuf request gets a <c>google.rpc.Status</c> (code 3, INVALID_ARGUMENT) as OTLP asks, a JSON
/// request Prometheus's error object; another content type is 415. Thread-safe.
/// </remarks>
internal sealed class OtlpApi(OtlpReceiver receiver, ILogger logger)
{
    private const string ProtobufType = "application/x-protobuf";
    private const string JsonType = "application/json";

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default);

    public async Task ExportAsync(HttpContext ctx)
    {
        bool json = IsJson(ctx.Request.ContentType);
        var (body, length) = await PushApi.ReadBodyPooledAsync(ctx).ConfigureAwait(false);
        OtlpExportResult result;
        try
        {
            var span = body.AsSpan(0, length);
            var request = json ? OtlpDecoder.ParseJson(span) : OtlpDecoder.ParseProtobuf(span);
            result = receiver.Export(request);
        }
        catch (OtlpException e)
        {
            await WriteBadRequestAsync(ctx, json, e.Message + "; nothing was stored").ConfigureAwait(false);
            return;
        }
        catch (StorageException e)
        {
            logger.LogWarning("OTLP export failed in storage: {Error}", e.Message);
            throw ApiException.StorageFailed(e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(body);
        }
        var response = new ExportMetricsServiceResponse();
        if (result.RejectedPoints > 0)
        {
            response.PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = result.RejectedPoints, ErrorMessage = result.RejectedMessage ?? string.Empty };
        }
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        if (json)
        {
            ctx.Response.ContentType = JsonType;
            await ctx.Response.WriteAsync(Json.Format(response), ctx.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            ctx.Response.ContentType = ProtobufType;
            await ctx.Response.Body.WriteAsync(response.ToByteArray(), ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>True for a JSON body, false for protobuf; throws 415 for any other (or no) content type.</summary>
    private static bool IsJson(string? contentType)
    {
        if (contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            switch (media.MediaType?.ToLowerInvariant())
            {
                case ProtobufType or "application/protobuf":
                    return false;
                case JsonType:
                    return true;
            }
        }
        throw new ApiException("bad_data",
            $"unsupported Content-Type \"{contentType}\": OTLP/HTTP takes {ProtobufType} or {JsonType}", StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task WriteBadRequestAsync(HttpContext ctx, bool json, string message)
    {
        if (json)
        {
            await ApiJson.WriteErrorAsync(ctx, ApiException.BadData(message)).ConfigureAwait(false);
            return;
        }
        ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
        ctx.Response.ContentType = ProtobufType;
        var status = new Collection.Otlp.Proto.Status { Code = 3, Message = message };
        await ctx.Response.Body.WriteAsync(status.ToByteArray(), ctx.RequestAborted).ConfigureAwait(false);
    }
}
