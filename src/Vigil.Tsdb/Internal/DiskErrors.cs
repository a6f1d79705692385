namespace Vigil.Tsdb.Internal;

/// <summary>Classifies I/O errors the storage reacts to differently.</summary>
internal static class DiskErrors
{
    // Note: on Unix .NET puts the raw errno in HResult; on Windows it is an HRESULT wrapping the Win32 error code.
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);
    private const int ErrorDiskFull = unchecked((int)0x80070070);

    /// <summary>
    /// True when <paramref name="e"/> itself says the disk or the quota is full (not an exception wrapping one: a log
    /// poisoned by an earlier failure does not come back when space does).
    /// </summary>
    public static bool IsOutOfSpace(IOException e) => OperatingSystem.IsWindows()
        ? e.HResult is ErrorHandleDiskFull or ErrorDiskFull
        : e.HResult is Enospc or Edquot;
}
