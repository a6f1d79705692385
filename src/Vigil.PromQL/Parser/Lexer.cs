using System.Globalization;

namespace Vigil.PromQL.Parser;

/// <summary>
/// Splits a PromQL expression into tokens with Prometheus's context rules: inside <c>{...}</c> keywords are plain
/// identifiers, inside <c>[...]</c> only duration expressions are allowed. Lexical errors become an
/// <see cref="TokenKind.Error"/> token carrying Prometheus's message; nothing after it is lexed.
/// </summary>
internal sealed class Lexer
{
    private readonly string _input;
    private readonly List<Token> _tokens = new();
    private int _pos;
    private int _parenDepth;
    private bool _braceOpen;
    private bool _bracketOpen;
    private bool _gotColon;
    private bool _gotDuration;

    private Lexer(string input) => _input = input;

    /// <summary>Tokenizes <paramref name="input"/>; the list always ends with an Eof or Error token. Comments are dropped.</summary>
    public static List<Token> Tokenize(string input)
    {
        var lexer = new Lexer(input);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (true)
        {
            Token t = _braceOpen ? LexInsideBraces() : _bracketOpen ? LexDurationExpr() : LexStatement();
            if (t.Kind == TokenKind.Comment)
            {
                continue;
            }
            _tokens.Add(t);
            if (t.Kind is TokenKind.Eof or TokenKind.Error)
            {
                return;
            }
        }
    }

    private char Peek(int ahead = 0) => _pos + ahead < _input.Length ? _input[_pos + ahead] : '\0';

    private bool AtEnd => _pos >= _input.Length;

    private Token Emit(TokenKind kind, int start) => new(kind, start, _input[start.._pos]);

    private Token Error(int start, string message) => new(TokenKind.Error, start, message);

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r';

    private static bool IsAlpha(char c) => c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private static bool IsAlphaNumeric(char c) => IsAlpha(c) || IsDigit(c);

    /// <summary>Go's <c>%q</c> of a rune: single-quoted with escapes.</summary>
    internal static string QuoteRune(char c)
    {
        string q = GoText.Quote(c.ToString());
        string inner = q[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal);
        if (inner == "'")
        {
            inner = "\\'";
        }
        return "'" + inner + "'";
    }

    private void SkipSpaces()
    {
        while (!AtEnd && IsSpace(_input[_pos]))
        {
            _pos++;
        }
    }

    private Token LexStatement()
    {
        SkipSpaces();
        int start = _pos;
        if (AtEnd)
        {
            if (_parenDepth != 0)
            {
                return Error(start, "unclosed left parenthesis");
            }
            return new Token(TokenKind.Eof, start, string.Empty);
        }
        char r = _input[_pos];
        if (r == '#')
        {
            return LexComment();
        }
        _pos++;
        switch (r)
        {
            case ',': return Emit(TokenKind.Comma, start);
            case '*': return Emit(TokenKind.Mul, start);
            case '/': return Emit(TokenKind.Div, start);
            case '%': return Emit(TokenKind.Mod, start);
            case '+': return Emit(TokenKind.Add, start);
            case '-': return Emit(TokenKind.Sub, start);
            case '^': return Emit(TokenKind.Pow, start);
            case '@': return Emit(TokenKind.At, start);
            case '=':
                if (Peek() == '=')
                {
                    _pos++;
                    return Emit(TokenKind.Eqlc, start);
                }
                if (Peek() == '~')
                {
                    return Error(start, "unexpected character after '=': " + QuoteRune('~'));
                }
                return Emit(TokenKind.Eql, start);
            case '!':
                if (Peek() != '=')
                {
                    return Error(start, "unexpected character after '!': " + QuoteRune(AtEnd ? '\0' : Peek()));
                }
                _pos++;
                return Emit(TokenKind.Neq, start);
            case '<':
                if (Peek() == '=')
                {
                    _pos++;
                    return Emit(TokenKind.Lte, start);
                }
                return Emit(TokenKind.Lss, start);
            case '>':
                if (Peek() == '=')
                {
                    _pos++;
                    return Emit(TokenKind.Gte, start);
                }
                return Emit(TokenKind.Gtr, start);
            case '"' or '\'':
                return LexString(start, r);
            case '`':
                return LexRawString(start);
            case '(':
                _parenDepth++;
                return Emit(TokenKind.LeftParen, start);
            case ')':
                _parenDepth--;
                if (_parenDepth < 0)
                {
                    return Error(start, "unexpected right parenthesis " + QuoteRune(')'));
                }
                return Emit(TokenKind.RightParen, start);
            case '{':
                _braceOpen = true;
                return Emit(TokenKind.LeftBrace, start);
            case '}':
                return Error(start, "unexpected character: " + QuoteRune('}'));
            case '[':
                _gotColon = false;
                _gotDuration = false;
                _bracketOpen = true;
                return Emit(TokenKind.LeftBracket, start);
            case ']':
                return Error(start, "unexpected right bracket " + QuoteRune(']'));
        }
        if (IsDigit(r) || (r == '.' && IsDigit(Peek())))
        {
            _pos = start;
            return LexNumberOrDuration(start);
        }
        if (IsAlpha(r) || r == ':')
        {
            _pos = start;
            return LexKeywordOrIdentifier(start);
        }
        if (char.IsHighSurrogate(r) && !AtEnd)
        {
            return Error(start, "unexpected character: " + GoText.Quote(_input.Substring(start, 2)).Replace('"', '\''));
        }
        return Error(start, "unexpected character: " + QuoteRune(r));
    }

    private Token LexComment()
    {
        int start = _pos;
        while (!AtEnd && _input[_pos] != '\n' && _input[_pos] != '\r')
        {
            _pos++;
        }
        return Emit(TokenKind.Comment, start);
    }

    private Token LexInsideBraces()
    {
        SkipSpaces();
        int start = _pos;
        if (AtEnd)
        {
            return Error(start, "unexpected end of input inside braces");
        }
        char r = _input[_pos];
        if (r == '#')
        {
            return LexComment();
        }
        _pos++;
        if (IsAlpha(r))
        {
            while (!AtEnd && IsAlphaNumeric(_input[_pos]))
            {
                _pos++;
            }
            return Emit(TokenKind.Identifier, start);
        }
        switch (r)
        {
            case ',':
                return Emit(TokenKind.Comma, start);
            case '"' or '\'':
                return LexString(start, r);
            case '`':
                return LexRawString(start);
            case '=':
                if (Peek() == '~')
                {
                    _pos++;
                    return Emit(TokenKind.EqlRegex, start);
                }
                return Emit(TokenKind.Eql, start);
            case '!':
                char nr = Peek();
                if (nr == '~')
                {
                    _pos++;
                    return Emit(TokenKind.NeqRegex, start);
                }
                if (nr == '=')
                {
                    _pos++;
                    return Emit(TokenKind.Neq, start);
                }
                return Error(start, "unexpected character after '!' inside braces: " + QuoteRune(nr));
            case '{':
                return Error(start, "unexpected left brace " + QuoteRune('{'));
            case '}':
                _braceOpen = false;
                return Emit(TokenKind.RightBrace, start);
            default:
                return Error(start, "unexpected character inside braces: " + QuoteRune(r));
        }
    }

    private Token LexDurationExpr()
    {
        SkipSpaces();
        int start = _pos;
        if (AtEnd)
        {
            return Error(start, "unexpected end of input in duration expression");
        }
        char r = _input[_pos];
        _pos++;
        switch (r)
        {
            case ']':
                _bracketOpen = false;
                _gotColon = false;
                return Emit(TokenKind.RightBracket, start);
            case ':':
                if (!_gotDuration)
                {
                    return Error(start, "unexpected colon before duration in duration expression");
                }
                if (_gotColon)
                {
                    return Error(start, "unexpected repeated colon in duration expression");
                }
                _gotColon = true;
                return Emit(TokenKind.Colon, start);
            case '(':
                _parenDepth++;
                return Emit(TokenKind.LeftParen, start);
            case ')':
                _parenDepth--;
                if (_parenDepth < 0)
                {
                    return Error(start, "unexpected right parenthesis " + QuoteRune(')'));
                }
                return Emit(TokenKind.RightParen, start);
            case '+': return Emit(TokenKind.Add, start);
            case '-': return Emit(TokenKind.Sub, start);
            case '*': return Emit(TokenKind.Mul, start);
            case '/': return Emit(TokenKind.Div, start);
            case '%': return Emit(TokenKind.Mod, start);
            case '^': return Emit(TokenKind.Pow, start);
            case ',': return Emit(TokenKind.Comma, start);
        }
        if (IsAlpha(r))
        {
            while (!AtEnd && IsAlphaNumeric(_input[_pos]))
            {
                _pos++;
            }
            string word = _input[start.._pos];
            switch (word.ToLowerInvariant())
            {
                case "step":
                    _gotDuration = true;
                    return Emit(TokenKind.Step, start);
                case "range":
                    _gotDuration = true;
                    return Emit(TokenKind.Range, start);
                case "min" or "min_of":
                    _gotDuration = true;
                    return Emit(TokenKind.Min, start);
                case "max" or "max_of":
                    _gotDuration = true;
                    return Emit(TokenKind.Max, start);
            }
            return Error(start, "unexpected character in duration expression: " + QuoteRune(r));
        }
        if (IsDigit(r) || (r == '.' && IsDigit(Peek())))
        {
            _pos = start;
            _gotDuration = true;
            return LexNumberOrDuration(start);
        }
        return Error(start, "unexpected character in duration expression: " + QuoteRune(r));
    }

    private Token LexKeywordOrIdentifier(int start)
    {
        while (!AtEnd && (IsAlphaNumeric(_input[_pos]) || _input[_pos] == ':'))
        {
            _pos++;
        }
        string word = _input[start.._pos];
        string lower = word.ToLowerInvariant();
        if (lower is "inf" or "nan")
        {
            return Emit(TokenKind.Number, start);
        }
        if (TokenKinds.TryKeyword(word, out var kind))
        {
            return Emit(kind, start);
        }
        return Emit(word.Contains(':', StringComparison.Ordinal) ? TokenKind.MetricIdentifier : TokenKind.Identifier, start);
    }

    private Token LexNumberOrDuration(int start)
    {
        if (ScanNumber())
        {
            return Emit(TokenKind.Number, start);
        }
        if (AcceptRemainingDuration())
        {
            _pos--;
            return Emit(TokenKind.Duration, start);
        }
        return Error(start, "bad number or duration syntax: " + GoText.Quote(_input[start..Math.Min(_pos, _input.Length)]));
    }

    private bool Accept(string valid)
    {
        if (!AtEnd && valid.Contains(_input[_pos], StringComparison.Ordinal))
        {
            _pos++;
            return true;
        }
        return false;
    }

    private bool Is(string valid) => !AtEnd && valid.Contains(_input[_pos], StringComparison.Ordinal);

    private bool AcceptRemainingDuration()
    {
        if (!Accept("smhdwy"))
        {
            return false;
        }
        Accept("s");
        while (Accept("0123456789"))
        {
            while (Accept("0123456789"))
            {
            }
            if (!Accept("smhdw"))
            {
                return false;
            }
            Accept("s");
        }
        // Mirrors the Go lexer: consume one more rune and require it not to be alphanumeric.
        char next = AtEnd ? '\0' : _input[_pos];
        _pos++;
        return !IsAlphaNumeric(next);
    }

    /// <summary>Port of Prometheus's scanNumber: decimal, hex, octal or float; the text is validated later.</summary>
    private bool ScanNumber()
    {
        int initial = _pos;
        string digitPattern = "0123456789";
        if (Accept("0"))
        {
            if (Accept("xX"))
            {
                Accept("_");
                digitPattern = "0123456789abcdefABCDEF";
            }
        }
        bool hex = digitPattern.Length > 10;
        Accept(".");
        Accept(digitPattern);
        bool dotConsumed = false;
        bool exponentConsumed = false;
        while (Is(digitPattern + "._eE"))
        {
            if (Is(".") && dotConsumed)
            {
                Accept(".");
                return false;
            }
            if (Is("eE") && exponentConsumed)
            {
                Accept("eE");
                return false;
            }
            if (Accept("."))
            {
                dotConsumed = true;
                if (Accept("_."))
                {
                    return false;
                }
                if (hex)
                {
                    return false;
                }
                continue;
            }
            if (Accept("eE"))
            {
                exponentConsumed = true;
                Accept("+-");
                if (Accept("._eE") || AtEnd)
                {
                    return false;
                }
                continue;
            }
            if (Accept("_"))
            {
                if (Accept("._eE") || AtEnd)
                {
                    return false;
                }
                continue;
            }
            while (Accept(digitPattern))
            {
            }
        }
        if (_pos == initial)
        {
            return false;
        }
        return AtEnd || !IsAlphaNumeric(_input[_pos]);
    }

    private Token LexString(int start, char quote)
    {
        while (true)
        {
            if (AtEnd)
            {
                return Error(start, "unterminated quoted string");
            }
            char c = _input[_pos++];
            if (c == '\\')
            {
                string? err = LexEscape(quote);
                if (err is not null)
                {
                    return Error(start, err);
                }
                continue;
            }
            if (c == '\n')
            {
                return Error(start, "unterminated quoted string");
            }
            if (c == quote)
            {
                return Emit(TokenKind.String, start);
            }
        }
    }

    private string? LexEscape(char quote)
    {
        if (AtEnd)
        {
            return "escape sequence not terminated";
        }
        char ch = _input[_pos++];
        int n;
        int radix;
        int max;
        switch (ch)
        {
            case 'a' or 'b' or 'f' or 'n' or 'r' or 't' or 'v' or '\\':
                return null;
            case >= '0' and <= '7':
                n = 3;
                radix = 8;
                max = 255;
                _pos--;
                break;
            case 'x':
                n = 2;
                radix = 16;
                max = 255;
                break;
            case 'u':
                n = 4;
                radix = 16;
                max = 0x10FFFF;
                break;
            case 'U':
                n = 8;
                radix = 16;
                max = 0x10FFFF;
                break;
            default:
                if (ch == quote)
                {
                    return null;
                }
                return "unknown escape sequence " + FormatRuneU(ch);
        }
        int x = 0;
        for (int i = 0; i < n; i++)
        {
            if (AtEnd)
            {
                return "escape sequence not terminated";
            }
            char d = _input[_pos++];
            int v = d switch
            {
                >= '0' and <= '9' => d - '0',
                >= 'a' and <= 'f' => d - 'a' + 10,
                >= 'A' and <= 'F' => d - 'A' + 10,
                _ => 16,
            };
            if (v >= radix)
            {
                return "illegal character " + FormatRuneU(d) + " in escape sequence";
            }
            x = (x * radix) + v;
        }
        if (x > max || (x >= 0xD800 && x < 0xE000))
        {
            return "escape sequence is an invalid Unicode code point";
        }
        return null;
    }

    /// <summary>Go's <c>%#U</c>: <c>U+0078 'x'</c>.</summary>
    private static string FormatRuneU(char c)
        => "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + " " + QuoteRune(c);

    private Token LexRawString(int start)
    {
        while (true)
        {
            if (AtEnd)
            {
                return Error(start, "unterminated raw string");
            }
            if (_input[_pos++] == '`')
            {
                return Emit(TokenKind.String, start);
            }
        }
    }
}
