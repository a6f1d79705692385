using System.Text;

namespace Vigil.Analysis.Anomaly;

/// <summary>Writes detector state: a format version, the detector name, then fields in a fixed order (little-endian).</summary>
internal sealed class StateWriter : IDisposable
{
    public const byte Version = 1;

    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _writer;

    public StateWriter(string detectorName)
    {
        _writer = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: true);
        _writer.Write(Version);
        _writer.Write(detectorName);
    }

    public void Write(int v) => _writer.Write(v);

    public void Write(long v) => _writer.Write(v);

    public void Write(double v) => _writer.Write(v);

    public void Write(bool v) => _writer.Write(v);

    public void Write(string v) => _writer.Write(v);

    /// <summary>Writes a length-prefixed byte array (e.g. a nested detector's state).</summary>
    public void Write(byte[] v)
    {
        _writer.Write(v.Length);
        _writer.Write(v);
    }

    public void Write(ReadOnlySpan<double> values)
    {
        _writer.Write(values.Length);
        foreach (double v in values)
        {
            _writer.Write(v);
        }
    }

    public byte[] ToArray()
    {
        _writer.Flush();
        return _stream.ToArray();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }
}
