using Ipv6Agent.Reporting;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace Ipv6Agent.Logging;

/// <summary>
/// One log event as journald reads stderr: a <c>&lt;N&gt;</c> priority prefix, the message on one line, and an
/// exception's lines indented under it. Every piece of text goes through <see cref="SafeText"/>: a message quoting
/// outside text (an IMDS value, a file name) can neither colour the terminal nor start a journal line of its own
/// (with a priority prefix of its choosing).
/// </summary>
internal sealed class JournalFormatter : ITextFormatter
{
    private static readonly JsonValueFormatter Structured = new(typeTagName: null);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write(logEvent.Level switch
        {
            LogEventLevel.Fatal => "<2>",
            LogEventLevel.Error => "<3>",
            LogEventLevel.Warning => "<4>",
            LogEventLevel.Information => "<6>",
            _ => "<7>",
        });
        using var message = new StringWriter();
        RenderMessage(logEvent, message);
        output.Write(SafeText.OneLine(message.ToString()));
        if (logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string context })
            output.Write(" (" + SafeText.OneLine(context[(context.LastIndexOf('.') + 1)..]) + ")");
        output.Write('\n');
        if (logEvent.Exception is { } exception)
        {
            // Indented: a line of the exception never begins a journal entry's priority prefix.
            foreach (var line in exception.ToString().Split('\n'))
                output.Write("    " + SafeText.OneLine(line.TrimEnd('\r')) + "\n");
        }
    }

    /// <summary>
    /// The message with its values, in the <c>:lj</c> style: strings as they are (no quotes), other scalars in their
    /// format, lists and objects as JSON. Written here rather than through Serilog.Expressions' template, whose
    /// expression compiler is not trim- or AOT-safe (the binary is native).
    /// </summary>
    private static void RenderMessage(LogEvent logEvent, TextWriter output)
    {
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is not PropertyToken property)
            {
                token.Render(logEvent.Properties, output);
                continue;
            }
            switch (logEvent.Properties.GetValueOrDefault(property.PropertyName))
            {
                case null:
                    output.Write(property.ToString());
                    break;
                case ScalarValue { Value: string text }:
                    output.Write(text);
                    break;
                case ScalarValue scalar:
                    scalar.Render(output, property.Format, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case var structured:
                    Structured.Format(structured, output);
                    break;
            }
        }
    }
}
