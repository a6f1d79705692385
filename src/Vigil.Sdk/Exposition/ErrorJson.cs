using System.Buffers;
using System.Text.Json;

namespace Vigil.Sdk.Exposition;

/// <summary>The SDK's error answer, <c>{"error": "..."}</c>, shared by every endpoint.</summary>
internal static class ErrorJson
{
    /// <summary>Writes the error body and returns <paramref name="status"/>, so handlers can <c>return ErrorJson.Write(...)</c>.</summary>
    public static int Write(IBufferWriter<byte> body, int status, string message)
    {
        using var w = new Utf8JsonWriter(body);
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
        return status;
    }
}
