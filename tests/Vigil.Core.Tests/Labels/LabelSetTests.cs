using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Core.Tests.Labels;

public sealed class LabelSetTests
{
    [Fact]
    public void From_UnsortedWithEmptyValues_SortedWithoutEmpties()
    {
        var set = LabelSet.From([new Label("job", "api"), new Label("__name__", "up"), new Label("zone", ""), new Label("instance", "h:1")]);

        Assert.Equal(["__name__", "instance", "job"], set.Select(l => l.Name));
        Assert.Equal(3, set.Count);
        Assert.Equal("", set.Get("zone"));
        Assert.False(set.Has("zone"));
    }

    [Fact]
    public void From_DuplicateName_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => LabelSet.From([new Label("a", "1"), new Label("b", "2"), new Label("a", "3")]));

        Assert.Contains("duplicate label name \"a\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_OddNumberOfStrings_Throws()
    {
        Assert.Throws<ArgumentException>(() => LabelSet.Of("a", "1", "b"));
    }

    [Fact]
    public void Of_NoLabelsOrOnlyEmptyValues_IsEmpty()
    {
        Assert.Same(LabelSet.Empty, LabelSet.Of());
        Assert.Same(LabelSet.Empty, LabelSet.Of("a", ""));
        Assert.Empty(LabelSet.Empty);
        Assert.Equal("", LabelSet.Empty.Name);
    }

    [Fact]
    public void Get_SmallAndLargeSets_FindEveryLabelAndMissOthers()
    {
        var pairs = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            pairs.Add($"l{i:D2}");
            pairs.Add($"v{i}");
        }
        var large = LabelSet.Of([.. pairs]);
        var small = LabelSet.Of([.. pairs.Take(10)]);

        for (int i = 0; i < 30; i++)
        {
            Assert.Equal($"v{i}", large.Get($"l{i:D2}"));
        }
        Assert.Equal("v4", small.Get("l04"));
        Assert.Equal("", large.Get("a"));
        Assert.Equal("", large.Get("l155"));
        Assert.Equal("", large.Get("zz"));
        Assert.Equal("", small.Get("l05"));
    }

    [Fact]
    public void Equals_SameLabelsBuiltDifferently_EqualWithEqualHashes()
    {
        var a = LabelSet.Of("__name__", "up", "job", "api");
        var b = LabelSet.From([new Label("job", "api"), new Label("__name__", "up")]);
        var c = new LabelSetBuilder().Set("job", "api").Set("__name__", "up").Build();

        Assert.Equal(a, b);
        Assert.True(a == c);
        Assert.Equal(a.Hash, c.Hash);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equals_DifferentNamesValuesOrCounts_NotEqual()
    {
        var a = LabelSet.Of("a", "1", "b", "2");

        Assert.NotEqual(a, LabelSet.Of("a", "1", "b", "3"));
        Assert.NotEqual(a, LabelSet.Of("a", "1", "c", "2"));
        Assert.NotEqual(a, LabelSet.Of("a", "1"));
        Assert.True(a != LabelSet.Of("a", "1"));
        // Separators keep name/value boundaries apart in the hash and in equality.
        Assert.NotEqual(LabelSet.Of("ab", "c"), LabelSet.Of("a", "bc"));
        Assert.NotEqual(LabelSet.Of("ab", "c").Hash, LabelSet.Of("a", "bc").Hash);
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void Compare_FollowsPrometheusOrdering()
    {
        var sets = new[]
        {
            LabelSet.Of("a", "2"),
            LabelSet.Of("b", "1"),
            LabelSet.Of("a", "1", "b", "1"),
            LabelSet.Of("a", "1"),
            LabelSet.Empty,
            LabelSet.Of("a", "1", "b", "0"),
        };

        var sorted = sets.Order().Select(s => s.ToString()).ToList();

        Assert.Equal(["{}", "{a=\"1\"}", "{a=\"1\", b=\"0\"}", "{a=\"1\", b=\"1\"}", "{a=\"2\"}", "{b=\"1\"}"], sorted);
        Assert.True(LabelSet.Of("a", "1") < LabelSet.Of("a", "1", "b", "1"));
        Assert.True(LabelSet.Of("a", "2") > LabelSet.Of("a", "10"));
        Assert.Equal(0, LabelSet.Compare(LabelSet.Of("x", "y"), LabelSet.Of("x", "y")));
        Assert.Equal(1, LabelSet.Of("x", "y").CompareTo(null));
    }

    [Fact]
    public void WithoutKeepWith_ReturnNewSetsAndReuseUnchangedOnes()
    {
        var set = LabelSet.Of("__name__", "up", "job", "api", "instance", "h:1");

        Assert.Equal(LabelSet.Of("__name__", "up", "instance", "h:1"), set.Without("job"));
        Assert.Same(set, set.Without("absent"));
        Assert.Equal(LabelSet.Of("job", "api", "instance", "h:1"), set.WithoutMetricName());
        Assert.Equal(LabelSet.Of("job", "api"), set.Keep("job", "absent"));
        Assert.Same(set, set.Keep("__name__", "job", "instance"));
        Assert.Equal(LabelSet.Of("__name__", "up", "job", "web", "instance", "h:1"), set.With("job", "web"));
        Assert.Equal(LabelSet.Of("__name__", "up", "instance", "h:1"), set.With("job", ""));
        Assert.Equal("up", set.With("zone", "eu").Name);
        Assert.Equal(["__name__", "instance", "job", "zone"], set.With("zone", "eu").Select(l => l.Name));
        var noName = LabelSet.Of("a", "b");
        Assert.Same(noName, noName.WithoutMetricName());
    }

    [Fact]
    public void ToString_LegacyNames_PrometheusForm()
    {
        Assert.Equal("up{instance=\"h:1\", job=\"api\"}", LabelSet.Of("__name__", "up", "job", "api", "instance", "h:1").ToString());
        Assert.Equal("{job=\"api\"}", LabelSet.Of("job", "api").ToString());
        Assert.Equal("m{v=\"a\\\"b\\\\c\\nd\\te\\x01\"}", LabelSet.Of("__name__", "m", "v", "a\"b\\c\nd\te\u0001").ToString());
    }

    [Fact]
    public void ToString_Utf8Names_AreQuoted()
    {
        Assert.Equal("{\"my.metric\", \"label.x\"=\"v\"}", LabelSet.Of("__name__", "my.metric", "label.x", "v").ToString());
    }

    [Fact]
    public void AppendQuoted_EscapesLikeGo()
    {
        var sb = new StringBuilder();

        LabelSet.AppendQuoted(sb, "q\"b\\n\nr\rt\t\u001f");

        Assert.Equal("\"q\\\"b\\\\n\\nr\\rt\\t\\x1f\"", sb.ToString());
    }

    [Fact]
    public void AsSpanEnumeratorsAndDictionary_ExposeLabelsInOrder()
    {
        var set = LabelSet.Of("b", "2", "a", "1");
        var viaSpan = new List<string>();
        var enumerator = set.GetSpanEnumerator();
        while (enumerator.MoveNext())
        {
            viaSpan.Add(enumerator.Current.Name);
        }

        Assert.Equal(["a", "b"], viaSpan);
        Assert.Equal(new Label("a", "1"), set.AsSpan()[0]);
        Assert.Equal(new Label("b", "2"), set[1]);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, set.ToDictionary());
        Assert.Equal(LabelSet.Of("a", "1", "b", "2"), LabelSet.FromDictionary(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1", ["c"] = "" }));
    }
}
