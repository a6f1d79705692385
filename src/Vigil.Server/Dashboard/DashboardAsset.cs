namespace Vigil.Server.Dashboard;

/// <summary>One file of the dashboard bundle, ready to send: its bytes, a gzip copy when that is smaller, and an ETag.</summary>
internal sealed record DashboardAsset(string Name, byte[] Content, byte[]? Gzipped, string ContentType, string ETag);
