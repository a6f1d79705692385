using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Collection.Push.RemoteWrite;
using Vigil.Core.Storage;

namespace Vigil.Server.Api;

/// <summary>
/// <c>POST /api/v1/write</c>: Prometheus remote-write 1.0 and 2.0 (snappy-compressed protobuf), negotiated by
/// <c>Content-Type</c> as Prometheus 3 does.
/// </summary>
/// <remarks>
/// Answers 204 when everything was stored; 400 with nothing stored when anything is wrong (senders drop such a request
/// instead of retrying it); 413 over the body limit; 415 for a message or encoding Vigil does not read; 503 while the
/// storage is closing and 507 when its disk is full, both of which senders retry. Every answer carries the
/// <c>X-Prometheus-Remote-Write-*-Written</c> headers of 2.0. Errors are JSON in Prometheus's shape. Thread-safe.
/// </remarks>
internal sealed class RemoteWriteApi(RemoteWriteReceiver receiver, int maxBodyBytes, ILogger logger)
{
    public const string SamplesWrittenHeader = "X-Prometheus-Remote-Write-Samples-Written";
    public const string HistogramsWrittenHeader = "X-Prometheus-Remote-Write-Histograms-Written";
    public const string ExemplarsWrittenHeader = "X-Prometheus-Remote-Write-Exemplars-Written";

    public async Task WriteAsync(HttpContext ctx)
    {
        SetWrittenHeaders(ctx, 0);
        try
        {
            if (!RemoteWriteContent.TryParseContentType(ctx.Request.ContentType, out var protocol, out string typeError))
            {
                throw new ApiException("bad_data", typeError, StatusCodes.Status415UnsupportedMediaType);
            }
            string encoding = ctx.Request.Headers.ContentEncoding.ToString();
            if (!RemoteWriteContent.IsSupportedEncoding(encoding))
            {
                throw new ApiException("bad_data", $"unsupported Content-Encoding \"{encoding}\": remote-write bodies are snappy-compressed", StatusCodes.Status415UnsupportedMediaType);
            }
            var (body, length) = await ReadPooledBodyAsync(ctx, maxBodyBytes).ConfigureAwait(false);
            RemoteWriteResult result;
            try
            {
                result = Write(body.AsSpan(0, length), protocol);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
            SetWrittenHeaders(ctx, result.Samples);
            if (result.Error is not null)
            {
                logger.LogDebug("Refused a remote-write request: {Error}", result.Error);
                throw result.Refusal == AppendError.Closed
                    ? new ApiException("unavailable", result.Error, StatusCodes.Status503ServiceUnavailable)
                    : ApiException.BadData(result.Error + "; nothing was stored");
            }
            ctx.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await ApiJson.WriteErrorAsync(ctx, e).ConfigureAwait(false);
        }
    }

    private RemoteWriteResult Write(ReadOnlySpan<byte> block, RemoteWriteProtocol protocol)
    {
        byte[] message;
        int length;
        try
        {
            (message, length) = RemoteWriteContent.Decompress(block, maxBodyBytes);
        }
        catch (RemoteWriteFormatException e)
        {
            throw ApiException.BadData(e.Message);
        }
        catch (RemoteWriteTooLargeException e)
        {
            throw new ApiException("bad_data", e.Message, StatusCodes.Status413RequestEntityTooLarge);
        }
        try
        {
            return receiver.Write(message.AsSpan(0, length), protocol);
        }
        catch (StorageException e)
        {
            // Note: a commit that failed is the server's problem, not the request's: 5xx, so that senders retry it.
            logger.LogWarning("Remote-write commit failed in storage: {Error}", e.Message);
            throw e.Error == AppendError.OutOfSpace || e is RemoteStorageException
                ? ApiException.StorageFailed(e)
                : new ApiException("internal", "storage failed, nothing was stored; retry: " + e.Message, StatusCodes.Status500InternalServerError);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }

    private static void SetWrittenHeaders(HttpContext ctx, long samples)
    {
        var headers = ctx.Response.Headers;
        headers[SamplesWrittenHeader] = samples.ToString(CultureInfo.InvariantCulture);
        // Note: native histograms and exemplars are received but not stored yet, so none is ever written.
        headers[HistogramsWrittenHeader] = "0";
        headers[ExemplarsWrittenHeader] = "0";
    }

    /// <summary>
    /// Reads the whole body into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it); 413
    /// beyond <paramref name="maxBytes"/>, decided from <c>Content-Length</c> before reading when it is given.
    /// </summary>
    internal static async Task<(byte[] Buffer, int Length)> ReadPooledBodyAsync(HttpContext ctx, int maxBytes)
    {
        long? declared = ctx.Request.ContentLength;
        if (declared > maxBytes)
        {
            throw PushApi.TooLarge(maxBytes);
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp((declared ?? 64 * 1024) + 1, 1, maxBytes + 1L));
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        throw PushApi.TooLarge(maxBytes);
                    }
                    byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int n = await ctx.Request.Body.ReadAsync(buffer.AsMemory(length), ctx.RequestAborted).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                length += n;
                if (length > maxBytes)
                {
                    throw PushApi.TooLarge(maxBytes);
                }
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
