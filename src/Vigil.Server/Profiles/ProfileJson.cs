using System.Text.Json.Serialization;

namespace Vigil.Server.Profiles;

/// <summary>The JSON shape of <see cref="StoredProfile"/> on disk and in the API.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StoredProfile))]
internal sealed partial class ProfileJson : JsonSerializerContext;
