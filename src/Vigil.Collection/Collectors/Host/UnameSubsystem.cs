using System.Text;

namespace Vigil.Collection.Collectors.Host;

/// <summary><c>node_uname_info</c> from <c>uname(2)</c>, as node_exporter's <c>uname</c> collector.</summary>
internal sealed class UnameSubsystem : IHostSubsystem
{
    public string Name => "uname";

    public void Collect(SampleWriter writer)
    {
        writer.Add("node_uname_info", 1, Read());
    }

    private static unsafe string[] Read()
    {
        const int fields = 6;
        byte* buffer = stackalloc byte[LibC.UtsFieldLength * fields];
        if (LibC.Uname(buffer) != 0)
        {
            throw new IOException($"uname failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
        string Field(int i)
        {
            var span = new ReadOnlySpan<byte>(buffer + (i * LibC.UtsFieldLength), LibC.UtsFieldLength);
            int nul = span.IndexOf((byte)0);
            return Encoding.UTF8.GetString(nul < 0 ? span : span[..nul]);
        }
        return
        [
            "sysname", Field(0),
            "nodename", Field(1),
            "release", Field(2),
            "version", Field(3),
            "machine", Field(4),
            "domainname", Field(5),
        ];
    }
}
