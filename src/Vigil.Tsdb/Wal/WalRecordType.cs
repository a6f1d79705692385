namespace Vigil.Tsdb.Wal;

/// <summary>The kind of a WAL record, stored in its first byte; the values match Prometheus's <c>record.Type</c>.</summary>
public enum WalRecordType : byte
{
    /// <summary>An empty record or one whose type this version does not know.</summary>
    Unknown = 0,

    /// <summary>New series: references and their label sets.</summary>
    Series = 1,

    /// <summary>Float samples: series reference, timestamp, value.</summary>
    Samples = 2,
}
