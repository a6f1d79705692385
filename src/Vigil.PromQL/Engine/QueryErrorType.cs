namespace Vigil.PromQL.Engine;

/// <summary>Prometheus's API <c>errorType</c> values for failed queries.</summary>
public enum QueryErrorType
{
    /// <summary><c>bad_data</c>: the query or its parameters are invalid (HTTP 400).</summary>
    BadData,

    /// <summary><c>execution</c>: evaluation failed (HTTP 422).</summary>
    Execution,

    /// <summary><c>timeout</c>: the query exceeded its time limit (HTTP 503).</summary>
    Timeout,

    /// <summary><c>canceled</c>: the caller went away (HTTP 499/503).</summary>
    Canceled,

    /// <summary><c>internal</c>: an unexpected failure (HTTP 500).</summary>
    Internal,
}

/// <summary>Text and HTTP status of <see cref="QueryErrorType"/>.</summary>
public static class QueryErrorTypes
{
    /// <summary>The API's <c>errorType</c> string.</summary>
    public static string ApiName(this QueryErrorType t) => t switch
    {
        QueryErrorType.BadData => "bad_data",
        QueryErrorType.Execution => "execution",
        QueryErrorType.Timeout => "timeout",
        QueryErrorType.Canceled => "canceled",
        _ => "internal",
    };

    /// <summary>The HTTP status Prometheus answers with.</summary>
    public static int HttpStatus(this QueryErrorType t) => t switch
    {
        QueryErrorType.BadData => 400,
        QueryErrorType.Execution => 422,
        QueryErrorType.Timeout => 503,
        QueryErrorType.Canceled => 499,
        _ => 500,
    };
}
