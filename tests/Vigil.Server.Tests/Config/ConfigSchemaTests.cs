using Vigil.Rules.Yaml;
using Vigil.Server.Config;
using Vigil.Server.Config.Binding;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Tests.Config;

public sealed class ConfigSchemaTests
{
    private sealed record Sample
    {
        public string Name { get; init; } = string.Empty;
        public int Count { get; init; } = 3;
        public double Ratio { get; init; } = 0.5;
        public TimeSpan Every { get; init; } = TimeSpan.FromSeconds(15);
        public string Mode { get; init; } = "fast";
        public IReadOnlyList<string> Seen { get; init; } = [];
        public TimeSpan? Inner { get; init; }
    }

    private static readonly ConfigSchema<Sample> Schema = new ConfigSchema<Sample>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Key("count", PositiveInt, (o, v) => o with { Count = v })
        .Key("ratio", Number(0, 1), (o, v) => o with { Ratio = v })
        .Key("every", PositiveDuration, (o, v) => o with { Every = v })
        .Key("mode", OneOf(("fast", "fast"), ("slow", "slow"), ("off", "off")), (o, v) => o with { Mode = v })
        .Custom("last", (r, e, o) => o with { Seen = [.. o.Seen, "last saw " + o.Name] }, late: true)
        .Group("inner", new ConfigSchema<Sample>().Key("every", Duration, (o, v) => o with { Inner = v }))
        .Unsupported("remote_write")
        .Reject(["command"], e => $"key \"{e.Key}\" in {e.Where} belongs to another kind")
        .Finish(b =>
        {
            if (b.Value.Name.Length == 0)
            {
                b.Error($"{b.Where} needs a name");
                return null;
            }
            return b.Value;
        });

    private static (Sample? Value, List<string> Errors) Bind(string yaml)
    {
        Assert.True(SafeYaml.TryLoad(yaml, out var stream, out _));
        var r = new ConfigReader("t.yaml", Directory.GetCurrentDirectory());
        var value = Schema.Bind(r, stream.Documents[0].RootNode, "sample", new Sample());
        return (value, r.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).Select(e => e.ToString()).ToList());
    }

    [Fact]
    public void Bind_ValidMapping_SetsEveryDeclaredKey()
    {
        var (value, errors) = Bind("name: a\ncount: 7\nratio: 0.25\nevery: 1m\nmode: slow\ninner:\n  every: 0s\n");
        Assert.Empty(errors);
        Assert.Equal(new Sample { Name = "a", Count = 7, Ratio = 0.25, Every = TimeSpan.FromMinutes(1), Mode = "slow", Inner = TimeSpan.Zero }, value! with { Seen = [] });
    }

    [Fact]
    public void Bind_MissingKeys_KeepRecordDefaults()
    {
        var (value, errors) = Bind("name: a\n");
        Assert.Empty(errors);
        Assert.Equal(3, value!.Count);
        Assert.Equal(TimeSpan.FromSeconds(15), value.Every);
        Assert.Null(value.Inner);
    }

    [Fact]
    public void Bind_BadValues_ReportFileLineColumnAndKeepDefaults()
    {
        var (value, errors) = Bind("name: a\ncount: 0\nratio: 2\nevery: 5x\nmode: medium\n");
        Assert.Equal(
            [
                "t.yaml:2:8: invalid \"count\" in sample: must be a positive integer",
                "t.yaml:3:8: invalid \"ratio\" in sample: must be between 0 and 1, got 2",
                "t.yaml:4:8: invalid \"every\" in sample: not a valid duration string: \"5x\" (use e.g. 5s, 1m30s, 2h, 1d)",
                "t.yaml:5:7: invalid \"mode\" in sample: expected fast, slow or off, got \"medium\"",
            ],
            errors);
        Assert.Equal(new Sample { Name = "a" }, value);
    }

    [Fact]
    public void Bind_UnknownUnsupportedAndRejectedKeys_AreReportedAtTheirKey()
    {
        var (_, errors) = Bind("name: a\ncuont: 1\nremote_write: []\ncommand: [x]\ninner:\n  evry: 1s\n");
        Assert.Equal(
            [
                "t.yaml:2:1: unknown key \"cuont\" in sample",
                "t.yaml:3:1: key \"remote_write\" in sample is a Prometheus setting that Vigil does not support",
                "t.yaml:4:1: key \"command\" in sample belongs to another kind",
                "t.yaml:6:3: unknown key \"evry\" in sample.inner",
            ],
            errors);
    }

    [Fact]
    public void Bind_LateKeyBeforeOthersInFile_SeesTheOthers()
    {
        var (value, errors) = Bind("last: ~\nname: b\n");
        Assert.Empty(errors);
        Assert.Equal(["last saw b"], value!.Seen);
    }

    [Fact]
    public void Bind_FinishRefuses_ReturnsNullWithErrorAtTheMapping()
    {
        var (value, errors) = Bind("count: 2\n");
        Assert.Null(value);
        Assert.Equal(["t.yaml:1:1: sample needs a name"], errors);
    }

    [Fact]
    public void Bind_NotAMapping_ReportsTheShape()
    {
        var (value, errors) = Bind("[1, 2]\n");
        Assert.Null(value);
        Assert.Equal(["t.yaml:1:1: expected a mapping (key: value) in sample, got a list", "t.yaml:1:1: sample needs a name"], errors);
    }

    [Fact]
    public void Key_DeclaredTwice_Throws()
    {
        var schema = new ConfigSchema<Sample>().Key("name", Text, (o, v) => o with { Name = v });
        Assert.Throws<InvalidOperationException>(() => schema.Key("name", Text, (o, v) => o with { Name = v }));
    }
}
