namespace Vigil.Tsdb.Index;

/// <summary>Constants of a block's <c>index</c> file.</summary>
/// <remarks>
/// <code>
/// header   magic 0x56474958 ("VGIX", u32 BE) | version 1 (u8) | 3 zero bytes
/// symbols  uvarint count | count × (uvarint byte length | UTF-8 bytes), unique, sorted by ordinal string order;
///          a symbol reference is the position in this table
/// series   one entry per series at increasing offsets; the series reference is the entry's file offset:
///          uvarint #labels | #labels × (uvarint name ref | uvarint value ref) | uvarint #chunks |
///          first chunk: uvarint (mint − baseTime) | uvarint (maxt − mint) | uvarint chunk ref |
///          next chunks: uvarint (mint − previous maxt − 1) | uvarint (maxt − mint) | uvarint (ref − previous ref)
/// postings lists of series references: uvarint count | count × uvarint delta to the previous reference (from 0);
///          the first list holds all series
/// table    uvarint #names | per name, in name order: uvarint name ref | uvarint #values |
///          per value, in value order: uvarint value ref delta (first absolute) |
///          uvarint postings offset delta (relative to the postings section, first absolute within a name)
/// TOC      4 × (u64 offset | u64 length | u32 CRC-32C) for symbols, series, postings, table |
///          i64 baseTime | u64 series count | u32 CRC-32C of the TOC
/// </code>
/// All fixed-width integers are big-endian. Each section's CRC is verified when the block is opened.
/// </remarks>
internal static class IndexFormat
{
    /// <summary>Magic number at the start of the file.</summary>
    public const uint Magic = 0x56474958;

    /// <summary>Format version written and accepted.</summary>
    public const byte Version = 1;

    /// <summary>Header size in bytes.</summary>
    public const int HeaderSize = 8;

    /// <summary>Number of sections described by the TOC.</summary>
    public const int SectionCount = 4;

    /// <summary>Bytes per section entry in the TOC.</summary>
    public const int SectionEntrySize = 20;

    /// <summary>TOC size in bytes, CRC included.</summary>
    public const int TocSize = (SectionCount * SectionEntrySize) + 8 + 8 + 4;

    /// <summary>Symbols between two remembered symbol offsets in memory.</summary>
    public const int SymbolSampleEvery = 32;

    /// <summary>Section names, in TOC order, for error messages.</summary>
    public static readonly string[] SectionNames = ["symbols", "series", "postings", "postings table"];

    /// <summary>Section indexes in the TOC.</summary>
    public const int Symbols = 0;

    /// <summary>Section index of the series.</summary>
    public const int Series = 1;

    /// <summary>Section index of the postings lists.</summary>
    public const int PostingsLists = 2;

    /// <summary>Section index of the postings offset table.</summary>
    public const int PostingsTable = 3;
}
