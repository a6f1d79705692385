namespace Vigil.PromQL.Engine;

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
        QueryErrorType.Unavailable => "unavailable",
        _ => "internal",
    };

    /// <summary>The HTTP status Prometheus answers with.</summary>
    public static int HttpStatus(this QueryErrorType t) => t switch
    {
        QueryErrorType.BadData => 400,
        QueryErrorType.Execution => 422,
        QueryErrorType.Timeout => 503,
        QueryErrorType.Canceled => 499,
        QueryErrorType.Unavailable => 503,
        _ => 500,
    };
}
