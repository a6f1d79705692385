using Grpc.Core;
using Microsoft.Extensions.Logging;
using Vigil.Collection.Otlp;
using Vigil.Collection.Otlp.Proto;
using Vigil.Core.Storage;

namespace Vigil.Server.Api;

/// <summary>
/// OTLP/gRPC metrics: <c>opentelemetry.proto.collector.metrics.v1.MetricsService/Export</c> on the listener of
/// <c>--otlp.grpc-listen</c>. Invalid input is INVALID_ARGUMENT and stores nothing; a full disk is RESOURCE_EXHAUSTED;
/// dropped data points come back as OTLP partial success.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class OtlpGrpcService(OtlpReceiver receiver, ILogger<OtlpGrpcService> logger) : OtlpMetricsServiceBase
{
    /// <summary>The gRPC path of the export method.</summary>
    public const string Path = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

    /// <inheritdoc />
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        OtlpExportResult result;
        try
        {
            result = receiver.Export(request);
        }
        catch (OtlpException e)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, e.Message + "; nothing was stored"));
        }
        catch (StorageException e)
        {
            logger.LogWarning("OTLP export failed in storage: {Error}", e.Message);
            throw new RpcException(new Grpc.Core.Status(e.Error == AppendError.OutOfSpace ? StatusCode.ResourceExhausted : StatusCode.Unavailable,
                "storage failed, nothing was stored: " + e.Message));
        }
        var response = new ExportMetricsServiceResponse();
        if (result.RejectedPoints > 0)
        {
            response.PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = result.RejectedPoints, ErrorMessage = result.RejectedMessage ?? string.Empty };
        }
        return Task.FromResult(response);
    }
}
