using System.Text;
using Vigil.Tsdb.Internal;

namespace Vigil.Tsdb.Tests.Internal;

public sealed class Crc32CTests
{
    [Fact]
    public void Compute_StandardCheckInput_MatchesPublishedValue()
    {
        // The CRC-32C "check" value from the Castagnoli catalogue and RFC 3720.
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
    }

    [Fact]
    public void Update_AnyLengthAndSplit_MatchesBitwiseReference()
    {
        var rng = new Random(7);
        for (int length = 0; length < 200; length++)
        {
            var data = new byte[length];
            rng.NextBytes(data);
            uint expected = Reference(data);
            Assert.Equal(expected, Crc32C.Compute(data));
            int split = length / 3;
            uint running = Crc32C.Update(Crc32C.Update(Crc32C.Seed, data.AsSpan(0, split)), data.AsSpan(split));
            Assert.Equal(expected, Crc32C.Finish(running));
        }
    }

    private static uint Reference(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        return ~crc;
    }
}
