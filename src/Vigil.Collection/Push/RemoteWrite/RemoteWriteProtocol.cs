namespace Vigil.Collection.Push.RemoteWrite;

/// <summary>The remote-write protocol versions Vigil receives.</summary>
internal enum RemoteWriteProtocol
{
    /// <summary>Remote-write 1.0: <c>prometheus.WriteRequest</c>.</summary>
    V1,

    /// <summary>Remote-write 2.0: <c>io.prometheus.write.v2.Request</c>.</summary>
    V2,
}

/// <summary>Names of <see cref="RemoteWriteProtocol"/> values as they appear in <c>Content-Type</c>.</summary>
internal static class RemoteWriteProtocolNames
{
    /// <summary>The protobuf message name of remote-write 1.0.</summary>
    public const string V1 = "prometheus.WriteRequest";

    /// <summary>The protobuf message name of remote-write 2.0.</summary>
    public const string V2 = "io.prometheus.write.v2.Request";

    /// <summary>The protobuf message name of <paramref name="protocol"/>.</summary>
    public static string MessageName(this RemoteWriteProtocol protocol) => protocol == RemoteWriteProtocol.V1 ? V1 : V2;
}
