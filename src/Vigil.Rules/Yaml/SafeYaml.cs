using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Vigil.Rules.Yaml;

/// <summary>
/// Loads YAML text into a node tree so that no input can escape as anything but a positioned error: syntax errors,
/// parser faults (YamlDotNet throws <see cref="InvalidOperationException"/> on some malformed flow collections) and
/// nesting deeper than <see cref="MaxDepth"/> (which would otherwise overflow the stack while the tree is built).
/// </summary>
/// <remarks>Every YAML file Vigil reads (configuration, rule files, rule unit tests, file_sd) goes through here. Thread-safe.</remarks>
internal static partial class SafeYaml
{
    /// <summary>The deepest nesting of mappings and lists accepted; real files stay below 10.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The most aliases (<c>*name</c>) accepted in one document; real files use a handful. Note: YamlDotNet compares
    /// alias nodes recursively while it builds a mapping, so tens of thousands of aliases overflow the stack.
    /// </summary>
    public const int MaxAliases = 1000;

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", RegexOptions.CultureInvariant)]
    private static partial Regex PositionPrefix();

    /// <summary>Parses <paramref name="text"/>; false with the first problem when it is not (acceptable) YAML.</summary>
    public static bool TryLoad(string text, out YamlStream stream, out YamlSyntaxError error)
    {
        ArgumentNullException.ThrowIfNull(text);
        stream = new YamlStream();
        error = default;
        var scanner = new Scanner(new StringReader(text), skipComments: true);
        try
        {
            stream.Load(new DepthLimitedParser(new Parser(scanner)));
            return true;
        }
        catch (YamlException e)
        {
            string message = PositionPrefix().Replace(e.Message, string.Empty);
            if (e.InnerException is { Message.Length: > 0 } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
            {
                message += ": " + inner.Message;
            }
            error = new YamlSyntaxError(Math.Max(1, (int)e.Start.Line), Math.Max(1, (int)e.Start.Column), message);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or FormatException or OverflowException)
        {
            // Note: YamlDotNet's scanner has faults that surface as these on malformed input; the scanner's position is
            // where it gave up, which is where the user should look.
            var at = scanner.CurrentPosition;
            error = new YamlSyntaxError(Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), "the YAML parser stopped here; look for an unclosed [ or { before this point");
        }
        stream = new YamlStream();
        return false;
    }

    /// <summary>Passes parser events through, refusing collections nested deeper than <see cref="MaxDepth"/> and more than <see cref="MaxAliases"/> aliases.</summary>
    private sealed class DepthLimitedParser(IParser inner) : IParser
    {
        private int _depth;
        private int _aliases;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                return false;
            }
            switch (inner.Current)
            {
                case MappingStart or SequenceStart:
                    if (++_depth > MaxDepth)
                    {
                        throw new YamlException(inner.Current.Start, inner.Current.End,
                            $"mappings and lists are nested more than {MaxDepth} levels deep");
                    }
                    break;
                case MappingEnd or SequenceEnd:
                    _depth--;
                    break;
                case AnchorAlias when ++_aliases > MaxAliases:
                    throw new YamlException(inner.Current.Start, inner.Current.End,
                        $"more than {MaxAliases} aliases in one document");
            }
            return true;
        }
    }
}
