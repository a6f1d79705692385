using System.Text;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using static Vigil.Core.Tests.Exposition.ExpositionTestHelpers;

namespace Vigil.Core.Tests.Exposition;

/// <summary>Payloads fed to <see cref="ExpositionParser"/> in chunks (<c>ResetChunked</c> / <c>Continue</c>).</summary>
public sealed class ExpositionParserChunkTests
{
    [Theory]
    [InlineData("alltypes.237mfs.prom.txt", ExpositionFormatKind.PrometheusText, 4096)]
    [InlineData("alltypes.237mfs.prom.txt", ExpositionFormatKind.PrometheusText, 1)]
    [InlineData("alltypes.5mfs.om.txt", ExpositionFormatKind.OpenMetrics, 700)]
    [InlineData("1histogram.om.txt", ExpositionFormatKind.OpenMetrics, 1)]
    public void Chunks_SameSamplesAndTypesAsWholePayload(string file, ExpositionFormatKind format, int approximateChunkSize)
    {
        byte[] body = TextFormatFile(file);
        var whole = Samples(body, format);

        var chunked = ParseInChunks(SplitAtLines(body, approximateChunkSize), format);

        Assert.Equal(whole.Count, chunked.Count);
        for (int i = 0; i < whole.Count; i++)
        {
            Assert.Equal(whole[i].Labels, chunked[i].Labels);
            Assert.Equal(BitConverter.DoubleToInt64Bits(whole[i].Value), BitConverter.DoubleToInt64Bits(chunked[i].Value));
            Assert.Equal(whole[i].Type, chunked[i].Type);
        }
    }

    [Fact]
    public void Chunks_ErrorInLaterChunk_ReportsPositionInWholePayload()
    {
        var chunks = new[] { "a 1\nb 2\n", "c 3\n", "d{x:\"1\"} 4\n" }.Select(Encoding.UTF8.GetBytes).ToList();

        var error = Assert.Throws<ExpositionParseException>(() => ParseInChunks(chunks, Text));

        Assert.Equal("line 4, column 4: expected '=' after label name \"x\"", error.Message);
        Assert.Equal(15, error.Offset);
    }

    [Fact]
    public void Chunks_OpenMetricsEofRequiredOnlyAtTheEnd()
    {
        var complete = new[] { "# TYPE a counter\n", "a_total 1\n", "# EOF\n" }.Select(Encoding.UTF8.GetBytes).ToList();
        var missing = new[] { "# TYPE a counter\n", "a_total 1\n" }.Select(Encoding.UTF8.GetBytes).ToList();
        var afterEof = new[] { "a 1\n# EOF\n", "b 2\n" }.Select(Encoding.UTF8.GetBytes).ToList();

        var samples = ParseInChunks(complete, OpenMetrics);
        var missingError = Assert.Throws<ExpositionParseException>(() => ParseInChunks(missing, OpenMetrics));
        var afterEofError = Assert.Throws<ExpositionParseException>(() => ParseInChunks(afterEof, OpenMetrics));

        Assert.Equal(MetricType.Counter, Assert.Single(samples).Type);
        Assert.Equal("line 3, column 1: expected \"# EOF\" at the end of the input", missingError.Message);
        Assert.Equal("line 3, column 1: unexpected content after \"# EOF\"", afterEofError.Message);
    }

    [Fact]
    public void ResetChunked_ChunkNotEndingAtLineBreak_Throws()
    {
        var parser = Parser(string.Empty);

        Assert.Throws<ArgumentException>(() => parser.ResetChunked("a 1"u8.ToArray(), Text, isFinalChunk: false));
        parser.ResetChunked("a 1\n"u8.ToArray(), Text, isFinalChunk: false);
        parser.Next();
        parser.Next();
        Assert.Throws<ArgumentException>(() => parser.Continue("b 2"u8.ToArray(), isFinalChunk: false));
    }

    [Fact]
    public void Continue_BeforeChunkIsParsedOrAfterFinalChunk_Throws()
    {
        var parser = Parser(string.Empty);
        parser.ResetChunked("a 1\nb 2\n"u8.ToArray(), Text, isFinalChunk: false);
        parser.Next();

        Assert.Throws<InvalidOperationException>(() => parser.Continue("c 3\n"u8.ToArray(), isFinalChunk: true));
        parser.Next();
        Assert.Equal(ExpositionEntry.EndOfInput, parser.Next());
        parser.Continue("c 3\n"u8.ToArray(), isFinalChunk: true);
        Assert.Equal(ExpositionEntry.Series, parser.Next());
        Assert.Equal(ExpositionEntry.EndOfInput, parser.Next());
        Assert.Throws<InvalidOperationException>(() => parser.Continue("d 4\n"u8.ToArray(), isFinalChunk: true));
    }

    private static List<byte[]> SplitAtLines(byte[] body, int approximateChunkSize)
    {
        var chunks = new List<byte[]>();
        int start = 0;
        while (start < body.Length)
        {
            int end = Math.Min(start + approximateChunkSize, body.Length);
            int newline = end < body.Length ? Array.IndexOf(body, (byte)'\n', end - 1) : -1;
            end = newline < 0 ? body.Length : newline + 1;
            chunks.Add(body[start..end]);
            start = end;
        }
        return chunks;
    }

    private static List<(LabelSet Labels, double Value, MetricType Type)> ParseInChunks(List<byte[]> chunks, ExpositionFormatKind format)
    {
        var parser = Parser(string.Empty, format);
        var result = new List<(LabelSet, double, MetricType)>();
        for (int i = 0; i < chunks.Count; i++)
        {
            bool last = i == chunks.Count - 1;
            if (i == 0)
            {
                parser.ResetChunked(chunks[i], format, last);
            }
            else
            {
                parser.Continue(chunks[i], last);
            }
            while (parser.Next() != ExpositionEntry.EndOfInput)
            {
                if (parser.Entry == ExpositionEntry.Series)
                {
                    result.Add((parser.BuildLabelSet(), parser.Value, parser.MetricType));
                }
            }
        }
        return result;
    }
}
