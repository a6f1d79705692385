using Vigil.Core.Storage;

namespace Vigil.Tsdb.Blocks;

/// <summary>A block's files failed validation: bad magic number, checksum mismatch, truncation or an unparsable meta.json.</summary>
/// <remarks>The message names the file and, when known, the byte offset of the problem.</remarks>
public sealed class BlockCorruptedException : StorageException
{
    /// <summary>Creates an exception for the problem <paramref name="what"/> found in <paramref name="path"/> at <paramref name="offset"/>.</summary>
    public BlockCorruptedException(string path, long? offset, string what, Exception? inner = null)
        : base(Format(path, offset, what), inner)
    {
        FilePath = path;
        Offset = offset;
    }

    /// <summary>Creates an exception with a plain message.</summary>
    public BlockCorruptedException()
    {
        FilePath = string.Empty;
    }

    /// <summary>Creates an exception with a plain message.</summary>
    public BlockCorruptedException(string message)
        : base(message)
    {
        FilePath = string.Empty;
    }

    /// <summary>Creates an exception with a plain message and a cause.</summary>
    public BlockCorruptedException(string message, Exception? inner)
        : base(message, inner)
    {
        FilePath = string.Empty;
    }

    /// <summary>The file in which the corruption was found (empty when unknown).</summary>
    public string FilePath { get; }

    /// <summary>Byte offset of the problem in <see cref="FilePath"/>, or null when it concerns the whole file.</summary>
    public long? Offset { get; }

    private static string Format(string path, long? offset, string what)
        => offset is { } o
            ? $"corrupted block file {path} at offset {o.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {what}"
            : $"corrupted block file {path}: {what}";
}
