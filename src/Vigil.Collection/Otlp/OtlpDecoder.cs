using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Vigil.Collection.Otlp.Proto;

namespace Vigil.Collection.Otlp;

/// <summary>
/// Decodes OTLP export requests from protobuf or OTLP/JSON bodies with bounded memory: before the messages are built, a
/// pass over the bytes counts the nested messages (data points, attributes, ...) and refuses more than
/// <see cref="MaxMessages"/>, because a few bytes of input can otherwise become a few hundred bytes of objects each.
/// </summary>
/// <remarks>
/// OTLP/JSON is read with protobuf's JSON mapping: lowerCamelCase or original field names, 64-bit integers as numbers or
/// strings, enums as numbers or names, unknown fields ignored. Exemplars' trace and span ids are hex in OTLP/JSON and
/// base64 in protobuf's mapping; Vigil drops exemplars, so their ids are never looked at. Thread-safe.
/// </remarks>
internal static class OtlpDecoder
{
    /// <summary>The most protobuf messages (resources, metrics, data points, attributes, values ...) one request may hold.</summary>
    public const int MaxMessages = 4_000_000;

    private const int MaxDepth = 100;

    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true).WithRecursionLimit(MaxDepth));

    /// <summary>Decodes a protobuf body; throws <see cref="OtlpException"/> for malformed or oversized input.</summary>
    public static ExportMetricsServiceRequest ParseProtobuf(ReadOnlySpan<byte> body)
    {
        int messages = 0;
        Scan(body, ExportMetricsServiceRequest.Descriptor, 0, ref messages);
        try
        {
            return ExportMetricsServiceRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OtlpException("invalid protobuf body: " + e.Message, e);
        }
    }

    /// <summary>Decodes a protobuf body held in a sequence (gRPC); throws <see cref="OtlpException"/>.</summary>
    public static ExportMetricsServiceRequest ParseProtobuf(ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment)
        {
            int messages = 0;
            Scan(body.FirstSpan, ExportMetricsServiceRequest.Descriptor, 0, ref messages);
            try
            {
                return ExportMetricsServiceRequest.Parser.ParseFrom(body);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new OtlpException("invalid protobuf body: " + e.Message, e);
            }
        }
        byte[] copy = ArrayPool<byte>.Shared.Rent(checked((int)body.Length));
        try
        {
            body.CopyTo(copy);
            return ParseProtobuf(copy.AsSpan(0, (int)body.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Decodes an OTLP/JSON body; throws <see cref="OtlpException"/> for malformed or oversized input.</summary>
    public static ExportMetricsServiceRequest ParseJson(ReadOnlySpan<byte> body)
    {
        CountJsonObjects(body);
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, true).GetString(body);
        }
        catch (ArgumentException)
        {
            throw new OtlpException("invalid JSON body: not valid UTF-8");
        }
        try
        {
            return Json.Parse<ExportMetricsServiceRequest>(text);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OtlpException("invalid OTLP/JSON body: " + e.Message, e);
        }
        catch (InvalidJsonException e)
        {
            throw new OtlpException("invalid JSON body: " + e.Message, e);
        }
        catch (FormatException e)
        {
            throw new OtlpException("invalid OTLP/JSON body: " + e.Message, e);
        }
    }

    private static void CountJsonObjects(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 2 * MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        int objects = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartObject && ++objects > MaxMessages)
                {
                    throw TooMany();
                }
            }
        }
        catch (JsonException e)
        {
            throw new OtlpException($"invalid JSON body at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message.Split(" LineNumber:")[0].TrimEnd('.', ' ')}");
        }
    }

    /// <summary>Walks the wire format of one message, counting the nested messages; throws on malformed bytes or too many messages.</summary>
    private static void Scan(ReadOnlySpan<byte> data, MessageDescriptor descriptor, int depth, ref int messages)
    {
        if (depth > MaxDepth)
        {
            throw new OtlpException($"invalid protobuf body: messages nested deeper than {MaxDepth}");
        }
        int pos = 0;
        while (pos < data.Length)
        {
            ulong tag = ReadVarint(data, ref pos);
            int field = (int)(tag >> 3);
            int wireType = (int)(tag & 7);
            if (field == 0 || tag >> 3 > int.MaxValue)
            {
                throw Malformed("invalid field number");
            }
            switch (wireType)
            {
                case 0:
                    ReadVarint(data, ref pos);
                    break;
                case 1:
                    pos = Skip(data, pos, 8);
                    break;
                case 5:
                    pos = Skip(data, pos, 4);
                    break;
                case 2:
                    ulong length = ReadVarint(data, ref pos);
                    if (length > (ulong)(data.Length - pos))
                    {
                        throw Malformed("a field runs past the end of its message");
                    }
                    int len = (int)length;
                    if (descriptor.FindFieldByNumber(field) is { FieldType: FieldType.Message } f)
                    {
                        if (++messages > MaxMessages)
                        {
                            throw TooMany();
                        }
                        Scan(data.Slice(pos, len), f.MessageType, depth + 1, ref messages);
                    }
                    pos += len;
                    break;
                default:
                    throw Malformed($"unsupported wire type {wireType}");
            }
        }
    }

    private static int Skip(ReadOnlySpan<byte> data, int pos, int n)
        => data.Length - pos >= n ? pos + n : throw Malformed("truncated message");

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (pos >= data.Length)
            {
                throw Malformed("truncated message");
            }
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw Malformed("malformed varint");
    }

    private static OtlpException Malformed(string what) => new("invalid protobuf body: " + what);

    private static OtlpException TooMany()
        => new($"request too large: more than {MaxMessages} messages (data points, attributes, ...); send smaller batches");
}
