using Grpc.Core;
using Vigil.Collection.Otlp;
using Vigil.Collection.Otlp.Proto;

namespace Vigil.Server.Api;

/// <summary>
/// The OTLP metrics service's gRPC contract, written by hand where protoc would generate it, so requests are decoded by
/// <see cref="OtlpDecoder"/> (with its message-count limit) before any message object is built.
/// </summary>
/// <remarks>
/// Grpc.AspNetCore finds <see cref="BindService"/> through <see cref="BindServiceMethodAttribute"/>, calls it without an
/// instance, and then invokes the override of <see cref="Export"/> on the service it resolves.
/// </remarks>
[BindServiceMethod(typeof(OtlpMetricsServiceBase), nameof(BindService))]
internal abstract class OtlpMetricsServiceBase
{
    private static readonly Method<ExportMetricsServiceRequest, ExportMetricsServiceResponse> ExportMethod = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.metrics.v1.MetricsService",
        "Export",
        Marshallers.Create(
            static (ExportMetricsServiceRequest m, SerializationContext c) => Serialize(m, c),
            static c => Decode(c)),
        Marshallers.Create(
            static (ExportMetricsServiceResponse m, SerializationContext c) => Serialize(m, c),
            static c => ExportMetricsServiceResponse.Parser.ParseFrom(c.PayloadAsReadOnlySequence())));

    /// <summary>Registers the export method.</summary>
    public static void BindService(ServiceBinderBase binder, OtlpMetricsServiceBase? service)
        => binder.AddMethod(ExportMethod, service is null ? null : service.Export);

    /// <summary>Handles one export call.</summary>
    public abstract Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context);

    private static ExportMetricsServiceRequest Decode(DeserializationContext context)
    {
        try
        {
            return OtlpDecoder.ParseProtobuf(context.PayloadAsReadOnlySequence());
        }
        catch (OtlpException e)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, e.Message + "; nothing was stored"));
        }
    }

    private static void Serialize(Google.Protobuf.IMessage message, SerializationContext context)
    {
        int size = message.CalculateSize();
        context.SetPayloadLength(size);
        var writer = context.GetBufferWriter();
        Google.Protobuf.MessageExtensions.WriteTo(message, writer);
        context.Complete();
    }
}
