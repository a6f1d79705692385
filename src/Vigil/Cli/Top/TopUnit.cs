namespace Vigil.Cli.Top;

/// <summary>How a <c>vigil top</c> value is printed.</summary>
internal enum TopUnit
{
    Number,
    Percent,
    Bytes,
    BytesPerSecond,
    PerSecond,
    Seconds,
}
