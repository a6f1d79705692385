using System.IO.MemoryMappedFiles;

namespace Vigil.Tsdb.Blocks;

/// <summary>A whole file mapped read-only into memory; spans over it are valid until <see cref="Dispose"/>.</summary>
/// <remarks>
/// Note: blocks are immutable once renamed into place, so mapping is safe and gives lock-free, syscall-free random
/// access shared through the OS page cache. The owner must keep the mapping alive while any reader uses a span
/// (blocks do this by reference counting). Thread-safe for concurrent readers.
/// </remarks>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _mmf;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _ptr;

    private MappedFile(string path, long length, MemoryMappedFile? mmf, MemoryMappedViewAccessor? view, byte* ptr)
    {
        Path = path;
        Length = length;
        _mmf = mmf;
        _view = view;
        _ptr = ptr;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The file's length in bytes when it was mapped.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="path"/>; an empty file yields an empty mapping.</summary>
    public static MappedFile Open(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        long length = fs.Length;
        if (length == 0)
        {
            return new MappedFile(path, 0, null, null, null);
        }
        var mmf = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = mmf.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            p += view.PointerOffset;
            return new MappedFile(path, length, mmf, view, p);
        }
        catch
        {
            view?.Dispose();
            mmf.Dispose();
            throw;
        }
    }

    /// <summary>The bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>); the caller has checked the bounds.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        if ((ulong)offset > (ulong)Length || (ulong)length > (ulong)(Length - offset))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside {Path} ({Length} bytes)");
        }
        return new ReadOnlySpan<byte>(_ptr + offset, length);
    }

    /// <summary>The bytes from <paramref name="offset"/> to the end of the file, at most <paramref name="max"/>.</summary>
    public ReadOnlySpan<byte> SpanFrom(long offset, int max = int.MaxValue)
    {
        if ((ulong)offset > (ulong)Length)
        {
            return [];
        }
        return new ReadOnlySpan<byte>(_ptr + offset, (int)Math.Min(max, Length - offset));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_view is not null && _ptr is not null)
        {
            _ptr = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _view?.Dispose();
        _mmf?.Dispose();
    }
}
