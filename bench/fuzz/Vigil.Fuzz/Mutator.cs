using System.Globalization;
using System.Text;

namespace Vigil.Fuzz;

/// <summary>
/// Random mutations of seed inputs for the afl-free smoke mode: bit flips, interesting bytes, deletions, duplications,
/// dictionary tokens, long repetitions (deep nesting, long chains), splices and boundary numbers.
/// </summary>
internal sealed class Mutator(Random random, IReadOnlyList<byte[]> corpus, IReadOnlyList<byte[]> dictionary)
{
    private const int MaxInput = 1024 * 1024;

    private static readonly byte[] s_interesting = [0, 0xFF, 0x7F, 0x80, 0xC0, 0xED, 0xF4, (byte)'(', (byte)')', (byte)'{', (byte)'}',
        (byte)'[', (byte)']', (byte)'"', (byte)'\'', (byte)'\\', (byte)'\n', (byte)'\r', (byte)'\t', (byte)' ', (byte)':', (byte)'#',
        (byte)',', (byte)'-', (byte)'&', (byte)'*', (byte)'!', (byte)'|', (byte)'`', (byte)'$'];

    private static readonly string[] s_numbers = ["0", "-0", "1e309", "-1e309", "NaN", "+Inf", "-Inf", "9223372036854775807",
        "-9223372036854775808", "18446744073709551616", "4294967296", "1e-400", "0x7fffffff", "1.7976931348623157e308",
        "99999999999999999999999999", "5e-324", "\\ud800", "\\udc00", "\\u0000", "253402300800", "1700000000000"];

    private static readonly int[] s_repeats = [2, 10, 100, 1000, 3000, 10000, 30000, 100000];

    private byte[]? _last;

    public byte[] Next()
    {
        byte[] start = _last is not null && random.Next(4) == 0 ? _last : corpus[random.Next(corpus.Count)];
        var buf = new List<byte>(start);
        int steps = 1 + random.Next(4);
        for (int i = 0; i < steps; i++)
        {
            Mutate(buf);
        }
        if (buf.Count > MaxInput)
        {
            buf.RemoveRange(MaxInput, buf.Count - MaxInput);
        }
        _last = [.. buf];
        return _last;
    }

    private void Mutate(List<byte> buf)
    {
        switch (random.Next(10))
        {
            case 0 when buf.Count > 0:
                int bit = random.Next(buf.Count * 8);
                buf[bit / 8] ^= (byte)(1 << (bit % 8));
                break;
            case 1 when buf.Count > 0:
                buf[random.Next(buf.Count)] = s_interesting[random.Next(s_interesting.Length)];
                break;
            case 2 when buf.Count > 0:
                int at = random.Next(buf.Count);
                buf.RemoveRange(at, Math.Min(buf.Count - at, 1 + random.Next(16)));
                break;
            case 3 when buf.Count > 0:
                var (from, length) = Range(buf.Count, 64);
                buf.InsertRange(random.Next(buf.Count + 1), buf.GetRange(from, length));
                break;
            case 4:
                buf.InsertRange(random.Next(buf.Count + 1), Token());
                break;
            case 5 when buf.Count > 0:
                var (rFrom, rLength) = Range(buf.Count, 8);
                buf.RemoveRange(rFrom, rLength);
                buf.InsertRange(rFrom, Token());
                break;
            case 6:
                // Note: long runs of one token are how nesting limits and quadratic paths are found.
                byte[] unit = Token();
                if (buf.Count > 0 && random.Next(2) == 0)
                {
                    var (uFrom, uLength) = Range(buf.Count, 4);
                    unit = [.. buf.GetRange(uFrom, uLength)];
                }
                int times = s_repeats[random.Next(s_repeats.Length)];
                times = Math.Min(times, MaxInput / Math.Max(1, unit.Length));
                var run = new byte[unit.Length * times];
                for (int i = 0; i < times; i++)
                {
                    unit.CopyTo(run, i * unit.Length);
                }
                buf.InsertRange(random.Next(buf.Count + 1), run);
                break;
            case 7:
                byte[] other = corpus[random.Next(corpus.Count)];
                if (other.Length > 0)
                {
                    int cut = random.Next(buf.Count + 1);
                    buf.RemoveRange(cut, buf.Count - cut);
                    buf.AddRange(other.AsSpan(random.Next(other.Length)).ToArray());
                }
                break;
            case 8:
                buf.InsertRange(random.Next(buf.Count + 1), Encoding.UTF8.GetBytes(s_numbers[random.Next(s_numbers.Length)]));
                break;
            default:
                buf.Insert(random.Next(buf.Count + 1), (byte)random.Next(256));
                break;
        }
    }

    private (int From, int Length) Range(int count, int max)
    {
        int from = random.Next(count);
        return (from, 1 + random.Next(Math.Min(max, count - from)));
    }

    private byte[] Token() => dictionary.Count > 0 && random.Next(4) != 0
        ? dictionary[random.Next(dictionary.Count)]
        : [s_interesting[random.Next(s_interesting.Length)]];

    /// <summary>Reads an afl dictionary (<c>name="value"</c> or <c>"value"</c> lines, <c>\xNN</c> and <c>\\</c>, <c>\"</c> escapes).</summary>
    public static List<byte[]> LoadDictionary(string? path)
    {
        var tokens = new List<byte[]>();
        if (path is null || !File.Exists(path))
        {
            return tokens;
        }
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            int open = line.IndexOf('"', StringComparison.Ordinal);
            int close = line.LastIndexOf('"');
            if (line.StartsWith('#') || open < 0 || close <= open)
            {
                continue;
            }
            var bytes = new List<byte>();
            string body = line[(open + 1)..close];
            for (int i = 0; i < body.Length; i++)
            {
                if (body[i] == '\\' && i + 1 < body.Length)
                {
                    if (body[i + 1] == 'x' && i + 3 < body.Length)
                    {
                        bytes.Add(byte.Parse(body.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 3;
                        continue;
                    }
                    bytes.Add((byte)body[i + 1]);
                    i++;
                    continue;
                }
                bytes.AddRange(Encoding.UTF8.GetBytes(body[i].ToString()));
            }
            tokens.Add([.. bytes]);
        }
        return tokens;
    }
}
