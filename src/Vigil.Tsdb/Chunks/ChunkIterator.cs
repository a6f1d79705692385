using Vigil.Core.Storage;

namespace Vigil.Tsdb.Chunks;

/// <summary>Iterates the samples of one stored chunk of either encoding (<see cref="ChunkEncoding.Xor"/> or <see cref="ChunkEncoding.Block"/>).</summary>
/// <remarks>
/// Reusable: <see cref="Reset"/> keeps the buffers, so reading many chunks allocates only when one is larger than any
/// before. Bytes that do not decode end iteration with <see cref="Error"/> set; no value from such a chunk is returned.
/// Not thread-safe.
/// </remarks>
internal sealed class ChunkIterator : ISampleIterator
{
    // Note: slack past an XOR chunk lets XorIterator use its 9-byte fast read up to the last bit.
    private const int Slack = 16;

    private readonly XorIterator _xor = new();
    private byte[] _buf = new byte[256];
    private long[] _t = new long[128];
    private double[] _v = new double[128];
    private byte[] _scratch = new byte[1024];
    private bool _isXor;
    private int _count;
    private int _i;
    private Exception? _error;

    /// <summary>Starts over on <paramref name="data"/> (copied; the span need not outlive this call).</summary>
    public void Reset(ReadOnlySpan<byte> data, ChunkEncoding encoding)
    {
        _error = null;
        _i = -1;
        _count = 0;
        if (encoding == ChunkEncoding.Xor)
        {
            _isXor = true;
            if (_buf.Length < data.Length + Slack)
            {
                _buf = new byte[Math.Max(data.Length + Slack, _buf.Length * 2)];
            }
            data.CopyTo(_buf);
            _xor.Reset(_buf, 0, data.Length);
            return;
        }
        _isXor = false;
        if (encoding != ChunkEncoding.Block)
        {
            _error = new InvalidDataException($"unknown chunk encoding {(byte)encoding}");
            return;
        }
        try
        {
            _count = BlockChunk.Decode(data, ref _t, ref _v, ref _scratch);
        }
        catch (InvalidDataException e)
        {
            _error = e;
        }
    }

    /// <summary>True while the current chunk is XOR-encoded; otherwise its samples are in <see cref="Timestamps"/> and <see cref="Values"/>.</summary>
    public bool IsXor => _isXor;

    /// <summary>The decoded timestamps of a block chunk (the first <see cref="Count"/>); valid until the next <see cref="Reset"/>.</summary>
    public long[] Timestamps => _t;

    /// <summary>The decoded values of a block chunk, index for index with <see cref="Timestamps"/>.</summary>
    public double[] Values => _v;

    /// <summary>The number of samples of a decoded block chunk (0 after a decoding error).</summary>
    public int Count => _count;

    /// <summary>The XOR decoder, positioned as this iterator.</summary>
    public XorIterator Xor => _xor;

    /// <inheritdoc />
    public long T => _isXor ? _xor.T : _t[_i];

    /// <inheritdoc />
    public double V => _isXor ? _xor.V : _v[_i];

    /// <inheritdoc />
    public Exception? Error => _isXor ? _xor.Error : _error;

    /// <inheritdoc />
    public bool Next()
    {
        if (_isXor)
        {
            return _xor.Next();
        }
        if (_i + 1 >= _count)
        {
            _i = Math.Max(_i, _count - 1);
            return false;
        }
        _i++;
        return true;
    }

    /// <inheritdoc />
    public bool Seek(long t)
    {
        if (_isXor)
        {
            return _xor.Seek(t);
        }
        if (_i >= 0 && _i < _count && _t[_i] >= t)
        {
            return true;
        }
        while (Next())
        {
            if (_t[_i] >= t)
            {
                return true;
            }
        }
        return false;
    }
}
