using System.Text;

namespace Vigil.Analysis.Anomaly;

/// <summary>Reads what <see cref="StateWriter"/> wrote; malformed input fails with <see cref="FormatException"/> naming the offset.</summary>
internal sealed class StateReader : IDisposable
{
    private readonly MemoryStream _stream;
    private readonly BinaryReader _reader;

    public StateReader(byte[] state)
    {
        _stream = new MemoryStream(state, writable: false);
        _reader = new BinaryReader(_stream, Encoding.UTF8, leaveOpen: true);
        byte version = Guard(() => _reader.ReadByte());
        if (version != StateWriter.Version)
        {
            throw new FormatException($"detector state: unsupported format version {version} at offset 0 (expected {StateWriter.Version}).");
        }
        DetectorName = Guard(() => _reader.ReadString());
    }

    public string DetectorName { get; }

    public int ReadInt() => Guard(() => _reader.ReadInt32());

    public long ReadLong() => Guard(() => _reader.ReadInt64());

    public double ReadDouble() => Guard(() => _reader.ReadDouble());

    public bool ReadBool() => Guard(() => _reader.ReadBoolean());

    public string ReadString() => Guard(() => _reader.ReadString());

    public byte[] ReadBytes()
    {
        int n = ReadInt();
        if (n < 0 || n > _stream.Length - _stream.Position)
        {
            throw new FormatException($"detector state: byte array length {n} at offset {_stream.Position - 4} exceeds the remaining bytes.");
        }
        return _reader.ReadBytes(n);
    }

    public double[] ReadDoubles()
    {
        int n = ReadInt();
        if (n < 0 || (long)n * 8 > _stream.Length - _stream.Position)
        {
            throw new FormatException($"detector state: array length {n} at offset {_stream.Position - 4} exceeds the remaining bytes.");
        }
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = _reader.ReadDouble();
        }
        return values;
    }

    public void EnsureEnd()
    {
        if (_stream.Position != _stream.Length)
        {
            throw new FormatException($"detector state: {_stream.Length - _stream.Position} unexpected bytes after offset {_stream.Position}.");
        }
    }

    private T Guard<T>(Func<T> read)
    {
        long at = _stream.Position;
        try
        {
            return read();
        }
        catch (EndOfStreamException)
        {
            throw new FormatException($"detector state: truncated at offset {at} of {_stream.Length}.");
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }
}
