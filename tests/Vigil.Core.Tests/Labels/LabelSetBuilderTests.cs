using Vigil.Core.Labels;

namespace Vigil.Core.Tests.Labels;

public sealed class LabelSetBuilderTests
{
    [Fact]
    public void SetDeleteBuild_ProducesSortedSet()
    {
        var builder = new LabelSetBuilder(LabelSet.Of("__name__", "up", "job", "api"));

        builder.Set("zone", "eu").Set("instance", "h:1").Set("job", "web").Delete("__name__");

        Assert.Equal("web", builder.Get("job"));
        Assert.Equal(LabelSet.Of("instance", "h:1", "job", "web", "zone", "eu"), builder.Build());
        Assert.Equal(["instance", "job", "zone"], builder.Build().Select(l => l.Name));
    }

    [Fact]
    public void Set_EmptyValue_DeletesTheLabel()
    {
        var builder = new LabelSetBuilder(LabelSet.Of("a", "1", "b", "2"));

        builder.Set("a", "").Set("c", "");

        Assert.Equal(LabelSet.Of("b", "2"), builder.Build());
        Assert.Equal("", builder.Get("a"));
    }

    [Fact]
    public void FilterAndReset_ReuseTheBuilder()
    {
        var builder = new LabelSetBuilder(LabelSet.Of("a", "1", "b", "2", "c", "3"));

        builder.Filter(l => l.Name != "b");
        Assert.Equal(LabelSet.Of("a", "1", "c", "3"), builder.Build());

        builder.Reset(LabelSet.Of("x", "y"));
        Assert.Equal(LabelSet.Of("x", "y"), builder.Build());
        Assert.Single(builder.Labels);

        builder.Reset(LabelSet.Empty);
        Assert.Same(LabelSet.Empty, builder.Build());
    }
}
