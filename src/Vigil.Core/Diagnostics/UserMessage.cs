namespace Vigil.Core.Diagnostics;

/// <summary>Turns an exception into the text a person should read: its message without .NET's decorations.</summary>
public static class UserMessage
{
    /// <summary>
    /// The exception's message without the <c>(Parameter 'name')</c> suffix of argument exceptions and without the
    /// "Actual value was …" line of range exceptions; never a type name or a stack trace.
    /// </summary>
    public static string Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string message = exception.Message;
        if (exception is ArgumentException { ParamName: { } name })
        {
            message = message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal);
            int actual = message.IndexOf("\nActual value was", StringComparison.Ordinal);
            if (actual < 0)
            {
                actual = message.IndexOf(Environment.NewLine + "Actual value was", StringComparison.Ordinal);
            }
            if (actual >= 0)
            {
                message = message[..actual];
            }
        }
        message = message.Trim();
        return message.Length == 0 ? "an unexpected error" : message;
    }
}
