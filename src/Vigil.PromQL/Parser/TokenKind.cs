namespace Vigil.PromQL.Parser;

/// <summary>Lexical token kinds of PromQL (Prometheus's <c>ItemType</c>).</summary>
internal enum TokenKind
{
    Eof,
    Error,
    Comment,
    Identifier,
    MetricIdentifier,
    Number,
    Duration,
    String,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Colon,
    Eql,
    EqlRegex,
    NeqRegex,

    // Operators.
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eqlc,
    Neq,
    Lss,
    Lte,
    Gtr,
    Gte,
    And,
    Or,
    Unless,
    Atan2,
    At,

    // Aggregators.
    Sum,
    Avg,
    Count,
    Min,
    Max,
    Group,
    Stddev,
    Stdvar,
    Topk,
    Bottomk,
    CountValues,
    Quantile,
    Limitk,
    LimitRatio,

    // Keywords.
    Bool,
    By,
    Without,
    On,
    Ignoring,
    GroupLeft,
    GroupRight,
    Offset,

    // Preprocessors.
    Start,
    End,
    Step,
    Range,
}

/// <summary>Classification helpers and the texts Prometheus uses for tokens in error messages.</summary>
internal static class TokenKinds
{
    private static readonly Dictionary<string, TokenKind> KeywordMap = new(StringComparer.Ordinal)
    {
        ["and"] = TokenKind.And,
        ["or"] = TokenKind.Or,
        ["unless"] = TokenKind.Unless,
        ["atan2"] = TokenKind.Atan2,
        ["sum"] = TokenKind.Sum,
        ["avg"] = TokenKind.Avg,
        ["count"] = TokenKind.Count,
        ["min"] = TokenKind.Min,
        ["max"] = TokenKind.Max,
        ["group"] = TokenKind.Group,
        ["stddev"] = TokenKind.Stddev,
        ["stdvar"] = TokenKind.Stdvar,
        ["topk"] = TokenKind.Topk,
        ["bottomk"] = TokenKind.Bottomk,
        ["count_values"] = TokenKind.CountValues,
        ["quantile"] = TokenKind.Quantile,
        ["limitk"] = TokenKind.Limitk,
        ["limit_ratio"] = TokenKind.LimitRatio,
        ["offset"] = TokenKind.Offset,
        ["by"] = TokenKind.By,
        ["without"] = TokenKind.Without,
        ["on"] = TokenKind.On,
        ["ignoring"] = TokenKind.Ignoring,
        ["group_left"] = TokenKind.GroupLeft,
        ["group_right"] = TokenKind.GroupRight,
        ["bool"] = TokenKind.Bool,
        ["start"] = TokenKind.Start,
        ["end"] = TokenKind.End,
        ["step"] = TokenKind.Step,
        ["range"] = TokenKind.Range,
    };

    /// <summary>Looks up a keyword case-insensitively (Prometheus lower-cases words before the lookup).</summary>
    public static bool TryKeyword(string word, out TokenKind kind) => KeywordMap.TryGetValue(word.ToLowerInvariant(), out kind);

    public static bool IsOperator(this TokenKind k) => k >= TokenKind.Add && k <= TokenKind.At;

    public static bool IsAggregator(this TokenKind k) => k >= TokenKind.Sum && k <= TokenKind.LimitRatio;

    public static bool IsKeyword(this TokenKind k) => k >= TokenKind.Bool && k <= TokenKind.Offset;

    public static bool IsPreprocessor(this TokenKind k) => k >= TokenKind.Start && k <= TokenKind.Range;

    /// <summary>True for aggregators that take a parameter before the vector.</summary>
    public static bool IsAggregatorWithParam(this TokenKind k)
        => k is TokenKind.Topk or TokenKind.Bottomk or TokenKind.CountValues or TokenKind.Quantile or TokenKind.Limitk or TokenKind.LimitRatio;

    /// <summary>The canonical text of a fixed token, or null for tokens with variable text.</summary>
    public static string? Text(this TokenKind k) => k switch
    {
        TokenKind.LeftParen => "(",
        TokenKind.RightParen => ")",
        TokenKind.LeftBrace => "{",
        TokenKind.RightBrace => "}",
        TokenKind.LeftBracket => "[",
        TokenKind.RightBracket => "]",
        TokenKind.Comma => ",",
        TokenKind.Colon => ":",
        TokenKind.Eql => "=",
        TokenKind.EqlRegex => "=~",
        TokenKind.NeqRegex => "!~",
        TokenKind.Add => "+",
        TokenKind.Sub => "-",
        TokenKind.Mul => "*",
        TokenKind.Div => "/",
        TokenKind.Mod => "%",
        TokenKind.Pow => "^",
        TokenKind.Eqlc => "==",
        TokenKind.Neq => "!=",
        TokenKind.Lss => "<",
        TokenKind.Lte => "<=",
        TokenKind.Gtr => ">",
        TokenKind.Gte => ">=",
        TokenKind.At => "@",
        TokenKind.And => "and",
        TokenKind.Or => "or",
        TokenKind.Unless => "unless",
        TokenKind.Atan2 => "atan2",
        TokenKind.Sum => "sum",
        TokenKind.Avg => "avg",
        TokenKind.Count => "count",
        TokenKind.Min => "min",
        TokenKind.Max => "max",
        TokenKind.Group => "group",
        TokenKind.Stddev => "stddev",
        TokenKind.Stdvar => "stdvar",
        TokenKind.Topk => "topk",
        TokenKind.Bottomk => "bottomk",
        TokenKind.CountValues => "count_values",
        TokenKind.Quantile => "quantile",
        TokenKind.Limitk => "limitk",
        TokenKind.LimitRatio => "limit_ratio",
        TokenKind.Bool => "bool",
        TokenKind.By => "by",
        TokenKind.Without => "without",
        TokenKind.On => "on",
        TokenKind.Ignoring => "ignoring",
        TokenKind.GroupLeft => "group_left",
        TokenKind.GroupRight => "group_right",
        TokenKind.Offset => "offset",
        TokenKind.Start => "start",
        TokenKind.End => "end",
        TokenKind.Step => "step",
        TokenKind.Range => "range",
        _ => null,
    };
}
