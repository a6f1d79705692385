using Vigil.Core.Config;
using Vigil.Core.Labels;
using Vigil.Server.Config;
using Vigil.Collection.Relabel;

namespace Vigil.Server.Tests.Scrape;

/// <summary>Relabelling against the behaviour Prometheus documents and tests (model/relabel), through the YAML loader.</summary>
public sealed class RelabelerTests
{
    private static IReadOnlyList<RelabelConfig> Steps(string yamlList)
    {
        string indented = string.Join("\n", yamlList.Split('\n').Select(l => "      " + l));
        return VigilConfig.Parse("scrape_configs:\n  - job_name: t\n    relabel_configs:\n" + indented + "\n").ScrapeConfigs[0].RelabelConfigs;
    }

    private static Dictionary<string, string>? Run(string yamlList, params string[] pairs)
    {
        var result = Relabeler.Process(LabelSet.Of(pairs), Steps(yamlList));
        return result?.ToDictionary();
    }

    private static string StepError(string yamlList)
    {
        string indented = string.Join("\n", yamlList.Split('\n').Select(l => "      " + l));
        var e = Assert.Throws<ConfigException>(() => VigilConfig.Parse("scrape_configs:\n  - job_name: t\n    relabel_configs:\n" + indented + "\n"));
        return Assert.Single(e.Errors).Message;
    }

    [Fact]
    public void Replace_BracedGroupReferences_Expand()
        => Assert.Equal("choo-choo", Run("- { source_labels: [a], regex: 'f(.*)', target_label: d, replacement: 'ch${1}-ch${1}' }", "a", "foo")!["d"]);

    [Fact]
    public void Replace_SeveralSourcesJoinedWithSeparator()
    {
        var r = Run("""
            - { source_labels: [a, b], regex: 'f(.*);(.*)r', target_label: a, replacement: 'b${1}${2}m' }
            - { source_labels: [c, a], regex: '(b).*b(.*)ba(.*)', target_label: d, replacement: '$1$2$2$3' }
            """, "a", "foo", "b", "bar", "c", "baz")!;
        Assert.Equal("boobam", r["a"]);
        Assert.Equal("boooom", r["d"]);
    }

    [Fact]
    public void Replace_RegexIsFullyAnchored()
    {
        // "f" alone does not match "boo", and ".*(b).*" must match the whole value.
        Assert.False(Run("- { source_labels: [a], regex: f, target_label: b, replacement: bar }", "a", "boo")!.ContainsKey("b"));
        Assert.Equal("b", Run("- { source_labels: [a], regex: '.*(b).*', target_label: d }", "a", "abc")!["d"]);
        Assert.False(Run("- { source_labels: [a], regex: 'o', target_label: d }", "a", "foo")!.ContainsKey("d"));
    }

    [Fact]
    public void Replace_DollarNumberFollowedByLetters_IsANamedReference()
    {
        // Go semantics: "$1x" refers to a group named "1x" (empty); "${1}x" is group 1 then "x".
        Assert.Equal("-", Run("- { source_labels: [a], regex: '(.*)', target_label: d, replacement: '$1x-' }", "a", "v")!["d"]);
        Assert.Equal("vx", Run("- { source_labels: [a], regex: '(.*)', target_label: d, replacement: '${1}x' }", "a", "v")!["d"]);
        Assert.Equal("$v", Run("- { source_labels: [a], regex: '(.*)', target_label: d, replacement: '$$$1' }", "a", "v")!["d"]);
        Assert.Equal("v${", Run("- { source_labels: [a], regex: '(.*)', target_label: d, replacement: '${1}${' }", "a", "v")!["d"]);
    }

    [Fact]
    public void Replace_NamedGroups_NumberLeftToRightLikeGo()
    {
        var r = Run("- { source_labels: [a], regex: '(?P<first>[a-z]+)-([0-9]+)', target_label: d, replacement: '${first}|$2|$1' }", "a", "abc-42")!;
        Assert.Equal("abc|42|abc", r["d"]);
    }

    [Fact]
    public void Replace_TargetLabelFromGroups_AndEmptyResultDeletes()
    {
        Assert.Equal("value", Run("- { source_labels: [a], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}' }", "a", "some-name-value")!["name"]);
        // An empty expansion deletes the target; an invalid (empty) target name changes nothing.
        var r = Run("- { source_labels: [a], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${3}' }", "a", "some-name-value", "name", "x")!;
        Assert.False(r.ContainsKey("name"));
        Assert.Equal(["a"], Run("- { source_labels: [a], regex: 'some-([^-]+)-([^,]+)', target_label: '${3}', replacement: '${1}' }", "a", "some-name-0")!.Keys);
    }

    [Fact]
    public void Replace_EmptySourceWithDefaultRegex_SetsLiteralReplacement()
    {
        // Prometheus's documented way to set a constant label.
        Assert.Equal("eu-1", Run("- { target_label: region, replacement: eu-1 }", "a", "x")!["region"]);
    }

    [Fact]
    public void Replace_RealLifeTags_ExtractPathJobAndLabel()
    {
        var r = Run("""
            - { source_labels: [__meta_sd_tags], regex: '(?:.+,|^)path:(/[^,]+).*', target_label: __metrics_path__, replacement: '${1}' }
            - { source_labels: [__meta_sd_tags], regex: '(?:.+,|^)job:([^,]+).*', target_label: job, replacement: '${1}' }
            - { source_labels: [__meta_sd_tags], regex: '(?:.+,|^)label:([^=]+)=([^,]+).*', target_label: '${1}', replacement: '${2}' }
            """, "__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar")!;
        Assert.Equal("/secret", r["__metrics_path__"]);
        Assert.Equal("some-job", r["job"]);
        Assert.Equal("bar", r["foo"]);
    }

    [Fact]
    public void KeepAndDrop_MatchWholeValue()
    {
        Assert.Null(Run("- { source_labels: [a], regex: '.*o.*', action: drop }", "a", "foo"));
        Assert.NotNull(Run("- { source_labels: [a], regex: 'f|o', action: drop }", "a", "foo"));
        Assert.Null(Run("- { source_labels: [a], regex: no-match, action: keep }", "a", "foo"));
        Assert.NotNull(Run("- { source_labels: [a], regex: 'f.*', action: keep }", "a", "foo"));
    }

    [Fact]
    public void KeepEqualAndDropEqual_CompareWithTargetLabel()
    {
        string[] input = ["__tmp_port", "1234", "__port1", "1234", "__port2", "5678"];
        Assert.NotNull(Run("- { source_labels: [__tmp_port], action: keepequal, target_label: __port1 }", input));
        Assert.Null(Run("- { source_labels: [__tmp_port], action: keepequal, target_label: __port2 }", input));
        Assert.Null(Run("- { source_labels: [__tmp_port], action: dropequal, target_label: __port1 }", input));
        Assert.NotNull(Run("- { source_labels: [__tmp_port], action: dropequal, target_label: __port2 }", input));
    }

    [Fact]
    public void HashMod_UsesMd5LikePrometheus()
    {
        Assert.Equal("976", Run("- { source_labels: [c], target_label: d, action: hashmod, modulus: 1000 }", "c", "baz")!["d"]);
        Assert.Equal("734", Run("- { source_labels: [a], target_label: b, action: hashmod, modulus: 1000 }", "a", "foo\nbar")!["b"]);
    }

    [Fact]
    public void LabelMap_CopiesMatchingNames()
    {
        var r = Run("- { regex: '__meta_(my.*)', replacement: '${1}', action: labelmap }",
            "a", "foo", "__meta_my_bar", "aaa", "__meta_my_baz", "bbb", "__meta_other", "ccc")!;
        Assert.Equal("aaa", r["my_bar"]);
        Assert.Equal("bbb", r["my_baz"]);
        Assert.False(r.ContainsKey("other"));
        Assert.Equal("aaa", r["__meta_my_bar"]);
        Assert.Equal("bar", Run("- { regex: '(b.*)', replacement: 'bar_${1}', action: labelmap }", "b1", "bar")!["bar_b1"]);
    }

    [Fact]
    public void LabelKeepAndLabelDrop_FilterNames()
    {
        Assert.Equal(["b1", "b2"], Run("- { regex: '(b.*)', action: labelkeep }", "a", "foo", "b1", "bar", "b2", "baz")!.Keys.Order());
        Assert.Equal(["a"], Run("- { regex: '(b.*)', action: labeldrop }", "a", "foo", "b1", "bar", "b2", "baz")!.Keys);
    }

    [Fact]
    public void LowercaseAndUppercase()
    {
        var r = Run("""
            - { source_labels: [foo], action: uppercase, target_label: foo_uppercase }
            - { source_labels: [foo], action: Lowercase, target_label: foo_lowercase }
            """, "foo", "bAr123Foo")!;
        Assert.Equal("BAR123FOO", r["foo_uppercase"]);
        Assert.Equal("bar123foo", r["foo_lowercase"]);
    }

    [Fact]
    public void Sequence_DropThenKeep_LaterStepsSeeEarlierChanges()
    {
        var r = Run("""
            - { regex: '^__meta_kubernetes_pod_container_port_name$', action: labeldrop }
            - { source_labels: [__meta_kubernetes_pod_annotation_XXX_metrics_port], regex: '(.+)', replacement: metrics, target_label: __meta_kubernetes_pod_container_port_name }
            - { source_labels: [__meta_kubernetes_pod_container_port_name], regex: '^metrics$', action: keep }
            """, "__meta_kubernetes_pod_container_port_name", "foo", "__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091")!;
        Assert.Equal("metrics", r["__meta_kubernetes_pod_container_port_name"]);
    }

    [Fact]
    public void Regex_GoAsciiClassesAndPosixClasses()
    {
        Assert.NotNull(Run(@"- { source_labels: [a], regex: '\d+', action: keep }", "a", "123"));
        Assert.Null(Run(@"- { source_labels: [a], regex: '\d+', action: keep }", "a", "١٢٣"));
        Assert.NotNull(Run("- { source_labels: [a], regex: '[[:alpha:]]+', action: keep }", "a", "abc"));
        Assert.Null(Run("- { source_labels: [a], regex: 'abc', action: keep }", "a", "abc\n"));
    }

    [Theory]
    [InlineData("- { action: replace }", "relabel configuration for replace action requires 'target_label' value in scrape_configs[0].relabel_configs[0]")]
    [InlineData("- { action: hashmod, target_label: x }", "relabel configuration for hashmod requires non-zero modulus in scrape_configs[0].relabel_configs[0]")]
    [InlineData("- { action: lowercase, target_label: '${3}' }", "\"${3}\" is invalid 'target_label' for lowercase action in scrape_configs[0].relabel_configs[0]")]
    [InlineData("- { source_labels: [a], target_label: '0${3}' }", "\"0${3}\" is invalid 'target_label' for replace action in scrape_configs[0].relabel_configs[0]")]
    [InlineData("- { action: labeldrop, regex: x, target_label: y }", "labeldrop action requires only 'regex', and no other fields in scrape_configs[0].relabel_configs[0]")]
    [InlineData("- { action: keepequal, target_label: y, regex: x }", "keepequal action requires only 'source_labels' and `target_label`, and no other fields in scrape_configs[0].relabel_configs[0]")]
    [InlineData("- { action: uppercase, target_label: y, replacement: z }", "'replacement' can not be set for uppercase action in scrape_configs[0].relabel_configs[0]")]
    [InlineData("- { action: labelmap, replacement: '-x' }", "\"-x\" is invalid 'replacement' for labelmap action in scrape_configs[0].relabel_configs[0]")]
    [InlineData("- { action: explode }", "invalid \"action\" in scrape_configs[0].relabel_configs[0]: unknown relabel action \"explode\" (use replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase or uppercase)")]
    public void Validate_BadSteps_AreConfigErrors(string step, string expected) => Assert.Equal(expected, StepError(step));

    [Fact]
    public void Validate_BadRegex_NamesIt()
    {
        string error = StepError("- { source_labels: [a], regex: '(unclosed', target_label: b }");
        Assert.StartsWith("invalid \"regex\" in scrape_configs[0].relabel_configs[0]: invalid regular expression \"(unclosed\"", error, StringComparison.Ordinal);
        Assert.Contains("backreferences", StepError(@"- { source_labels: [a], regex: '(a)\1', target_label: b }"), StringComparison.Ordinal);
    }

    [Fact]
    public void Process_ReturnsNewSetAndLeavesInputUntouched()
    {
        var input = LabelSet.Of("a", "foo");
        var output = Relabeler.Process(input, Steps("- { source_labels: [a], target_label: b }"));
        Assert.Equal(LabelSet.Of("a", "foo", "b", "foo"), output);
        Assert.Equal(LabelSet.Of("a", "foo"), input);
    }
}
