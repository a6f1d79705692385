using System.Text;
using Vigil.Core.Exposition;

namespace Vigil.Core.Tests.Exposition;

public sealed class SeriesByteMapTests
{
    [Fact]
    public void TryGetValue_FindsByContentNotByArray()
    {
        var map = new SeriesByteMap<int>();
        map.Set("up{job=\"a\"}"u8, 1);
        map.Set("up{job=\"b\"}"u8, 2);
        byte[] probe = Encoding.UTF8.GetBytes("xxup{job=\"b\"}xx");

        Assert.True(map.TryGetValue(probe.AsSpan(2, probe.Length - 4), out int found));
        Assert.Equal(2, found);
        Assert.False(map.TryGetValue("up{job=\"c\"}"u8, out int missing));
        Assert.Equal(0, missing);
        Assert.Equal(2, map.Count);
    }

    [Fact]
    public void GetValueRefOrAddDefault_AddsOnceAndUpdatesInPlace()
    {
        var map = new SeriesByteMap<int>();

        ref int first = ref map.GetValueRefOrAddDefault("m"u8, out bool existedBefore);
        first = 41;
        ref int second = ref map.GetValueRefOrAddDefault("m"u8, out bool existedAfter);
        second++;

        Assert.False(existedBefore);
        Assert.True(existedAfter);
        Assert.True(map.TryGetValue("m"u8, out int value));
        Assert.Equal(42, value);
        Assert.Equal(1, map.Count);
    }

    [Fact]
    public void Set_CopiesTheKey()
    {
        var map = new SeriesByteMap<string>();
        byte[] key = Encoding.UTF8.GetBytes("series");

        map.Set(key, "v");
        key[0] = (byte)'X';

        Assert.True(map.TryGetValue("series"u8, out _));
    }

    [Fact]
    public void ManyKeys_OfEveryLength_AreAllFound()
    {
        var map = new SeriesByteMap<int>();
        var keys = new List<byte[]>();
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            var key = new byte[random.Next(0, 70)];
            random.NextBytes(key);
            if (map.TryGetValue(key, out _))
            {
                continue;
            }
            map.Set(key, i);
            keys.Add(key);
        }

        Assert.Equal(keys.Count, map.Count);
        Assert.All(keys, k => Assert.True(map.TryGetValue(k, out _)));
        // Keys that differ only in their last byte must not be confused.
        map.Set("abcdefghij1"u8, 1);
        map.Set("abcdefghij2"u8, 2);
        Assert.True(map.TryGetValue("abcdefghij2"u8, out int v) && v == 2);
    }

    [Fact]
    public void RemoveWhere_RemovesMatchingEntries()
    {
        var map = new SeriesByteMap<int>();
        for (int i = 0; i < 100; i++)
        {
            map.Set(Encoding.UTF8.GetBytes($"s{i}"), i);
        }

        int removed = map.RemoveWhere(v => v % 2 == 0);

        Assert.Equal(50, removed);
        Assert.Equal(50, map.Count);
        Assert.False(map.TryGetValue("s2"u8, out _));
        Assert.True(map.TryGetValue("s3"u8, out _));
        Assert.True(map.Remove("s3"u8));
        Assert.False(map.Remove("s3"u8));
        map.Clear();
        Assert.Equal(0, map.Count);
    }
}
