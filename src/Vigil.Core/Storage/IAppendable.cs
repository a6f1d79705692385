namespace Vigil.Core.Storage;

/// <summary>Something that accepts samples. Thread-safe: any thread may open appenders at any time.</summary>
public interface IAppendable
{
    /// <summary>Opens a new append batch.</summary>
    IAppender Appender();
}
