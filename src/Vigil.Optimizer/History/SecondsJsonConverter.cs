using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Optimizer.History;

/// <summary>Writes durations as a number of seconds (and reads them back, also from a numeric string).</summary>
internal sealed class SecondsJsonConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String
            && double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double fromText))
        {
            return TimeSpan.FromSeconds(fromText);
        }
        return TimeSpan.FromSeconds(reader.GetDouble());
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
        => writer.WriteNumberValue(value.TotalSeconds);
}
