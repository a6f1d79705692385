using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Server.Api;

namespace Vigil.Server.Hosting;

/// <summary>
/// The one place errors leave the server: an <see cref="ApiException"/> becomes Prometheus's error envelope with its
/// status; an unexpected exception is logged in full and answered with a 500 <c>internal</c> error that names the
/// request but not the exception's text; an error status a handler set without a body gets the envelope too. A
/// failure after the answer has started aborts the connection, so the client sees a broken answer, never a short one.
/// </summary>
internal sealed class ErrorMiddleware(ILogger logger)
{
    public async Task InvokeAsync(HttpContext ctx, RequestDelegate next)
    {
        try
        {
            await next(ctx).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
            return;
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await ApiJson.WriteErrorAsync(ctx, e).ConfigureAwait(false);
            return;
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (!ctx.Response.HasStarted)
        {
            // Note: Kestrel's own request errors (body too large, malformed framing) carry safe messages and statuses.
            await ApiJson.WriteErrorAsync(ctx, new ApiException("bad_data", e.Message, e.StatusCode)).ConfigureAwait(false);
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Unhandled error serving {Method} {Path} (request {RequestId})", ctx.Request.Method, ctx.Request.Path.Value, ctx.TraceIdentifier);
            if (ctx.Response.HasStarted)
            {
                ctx.Abort();
                return;
            }
            ctx.Response.Clear();
            await ApiJson.WriteErrorAsync(ctx, new ApiException("internal",
                $"internal error serving {ctx.Request.Method} {ctx.Request.Path.Value}; the server log has the details (request {ctx.TraceIdentifier})",
                StatusCodes.Status500InternalServerError)).ConfigureAwait(false);
            return;
        }
        if (ctx.Response.StatusCode >= 400 && !ctx.Response.HasStarted && ctx.Response.ContentLength is null or 0)
        {
            ctx.Response.ContentLength = null;
            await ApiJson.WriteErrorAsync(ctx, EmptyError(ctx)).ConfigureAwait(false);
        }
    }

    /// <summary>The envelope for an error status a handler (or routing) set without writing a body.</summary>
    private static ApiException EmptyError(HttpContext ctx)
    {
        int status = ctx.Response.StatusCode;
        string what = $"{ctx.Request.Method} {ctx.Request.Path.Value}";
        return status switch
        {
            StatusCodes.Status404NotFound => new ApiException("not_found", $"{what}: not found", status),
            StatusCodes.Status405MethodNotAllowed => new ApiException("bad_data",
                $"{what}: method not allowed{(ctx.Response.Headers.Allow.Count > 0 ? "; use " + string.Join(" or ", ctx.Response.Headers.Allow.ToString().Split(", ")) : string.Empty)}", status),
            < 500 => new ApiException("bad_data", $"{what}: HTTP {status}", status),
            _ => new ApiException("internal", $"{what}: HTTP {status}; the server log may have the details (request {ctx.TraceIdentifier})", status),
        };
    }
}
