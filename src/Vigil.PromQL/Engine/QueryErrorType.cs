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

    /// <summary><c>unavailable</c>: the storage holding the data (a remote store) could not be reached (HTTP 503).</summary>
    Unavailable,
}
