namespace Vigil.Analysis.Forecasting;

/// <summary>The data cannot be forecast (too few values, none finite); the message says why in a user's terms.</summary>
public sealed class ForecastException : Exception
{
    /// <summary>Creates the exception with a message for the user.</summary>
    public ForecastException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an empty message.</summary>
    public ForecastException()
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ForecastException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
