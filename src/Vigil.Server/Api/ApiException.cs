using Microsoft.AspNetCore.Http;
using Vigil.Core.Storage;

namespace Vigil.Server.Api;

/// <summary>An API request failed with one of Prometheus's error types; becomes <c>{"status":"error",...}</c>.</summary>
internal sealed class ApiException(string errorType, string message, int statusCode) : Exception(message)
{
    public string ErrorType { get; } = errorType;

    public int StatusCode { get; } = statusCode;

    /// <summary>A bad request parameter (HTTP 400, <c>bad_data</c>).</summary>
    public static ApiException BadData(string message) => new("bad_data", message, StatusCodes.Status400BadRequest);

    /// <summary>A parameter that cannot be used: <c>invalid parameter "name": detail</c>, as Prometheus words it.</summary>
    public static ApiException InvalidParameter(string parameter, string detail) => BadData($"invalid parameter \"{parameter}\": {detail}");

    /// <summary>Storage failed while answering (HTTP 422, <c>execution</c>).</summary>
    public static ApiException Execution(string message) => new("execution", message, StatusCodes.Status422UnprocessableEntity);

    /// <summary>
    /// A commit the storage could not make: HTTP 507 <c>unavailable</c> when its disk is full (the client may retry once
    /// space returns; nothing was stored), otherwise 422 <c>execution</c>.
    /// </summary>
    public static ApiException StorageFailed(StorageException e) => e switch
    {
        RemoteStorageException remote => Remote(remote),
        { Error: AppendError.OutOfSpace } => new("unavailable", "storage is full, nothing was stored; retry when space is freed: " + e.Message, StatusCodes.Status507InsufficientStorage),
        _ => Execution("storage failed: " + e.Message),
    };

    /// <summary>
    /// A remote store that failed: 400 <c>bad_data</c> when it refused the request, 422 <c>execution</c> when it failed
    /// it, 503 <c>timeout</c> or <c>unavailable</c> when it did not answer in time or at all, 502 <c>internal</c> when
    /// its answer was not a valid one.
    /// </summary>
    public static ApiException Remote(RemoteStorageException e) => e.Failure switch
    {
        RemoteFailure.BadData => BadData(e.Message),
        RemoteFailure.Execution => Execution(e.Message),
        RemoteFailure.Timeout => new("timeout", e.Message, StatusCodes.Status503ServiceUnavailable),
        RemoteFailure.Unavailable => new("unavailable", e.Message, StatusCodes.Status503ServiceUnavailable),
        _ => new("internal", e.Message, StatusCodes.Status502BadGateway),
    };
}
