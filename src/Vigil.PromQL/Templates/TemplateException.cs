namespace Vigil.PromQL.Templates;

/// <summary>A template that does not parse or fails while executing; the message reads like Go's <c>text/template</c>.</summary>
public sealed class TemplateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TemplateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public TemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public TemplateException()
    {
    }
}
