namespace Vigil.Collection.Collectors.Host;

/// <summary>Allocated and maximum file handles from <c>/proc/sys/fs/file-nr</c>, as node_exporter's <c>filefd</c> collector.</summary>
internal sealed class FilefdSubsystem(Procfs procfs) : IHostSubsystem
{
    public string Name => "filefd";

    public void Collect(SampleWriter writer)
    {
        string file = procfs.PathOf("sys/fs/file-nr");
        var f = Procfs.Fields(procfs.Read("sys/fs/file-nr").Trim());
        if (f.Length < 3)
        {
            throw new FormatException($"{file}: expected 3 fields, got {f.Length}");
        }
        writer.Add("node_filefd_allocated", Procfs.ParseNumber(f[0], file));
        writer.Add("node_filefd_maximum", Procfs.ParseNumber(f[2], file));
    }
}
