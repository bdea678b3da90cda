using System.Text.Json;
using System.Text.Json.Serialization;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Rendering;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Applying;

/// <summary>
/// The undo log of the pass in progress, so that a pass killed half way (SIGKILL, the watchdog, a power cut) is still all or
/// nothing. Before a file is written its previous text is recorded; before a command runs, its name. The next pass finds the
/// log, puts every recorded file back (only where the file still holds what the killed pass wrote: a later edit by someone
/// else is never clobbered), re-runs the commands that had started, and only then plans from the host as it was.
/// Without it the next pass would find its files already written, run no <c>netplan apply</c> and no Docker restart, and
/// leave the kernel and dockerd on the old configuration for good.
/// A pass that ends (applied, or rolled back) deletes the log; a pass that changes nothing never writes it.
/// </summary>
internal sealed partial class PassJournal(string root, ILogger<PassJournal> logger)
{
    public const string HostPath = "/var/lib/ipv6-agent/interrupted-pass.json";

    private readonly AtomicFileWriter _writer = AtomicFileWriter.WithoutBackups(root);
    private readonly AtomicFileWriter _restorer = new(root);
    private JournalState? _state;

    /// <summary>Records, before it is written, that <paramref name="hostPath"/> goes from <paramref name="before"/> to <paramref name="after"/> (null: absent).</summary>
    public void RecordWrite(string hostPath, string? before, string? after, UnixFileMode modeBefore)
    {
        _state ??= new JournalState([], []);
        _state.Files.Add(new JournalFile(hostPath, before, after, (int)modeBefore));
        Save(_state);
    }

    /// <summary>
    /// Records, before it happens, that running state is about to change: a command (<c>netplan-apply</c>, <c>docker-restart</c>)
    /// or forwarding turned on (<c>enable-forwarding</c>), which the next pass undoes after a kill.
    /// </summary>
    public void RecordStarted(string action)
    {
        _state ??= new JournalState([], []);
        if (_state.Started.Contains(action)) return;
        _state.Started.Add(action);
        Save(_state);
    }

    /// <summary>The pass ended, applied or rolled back: nothing is left to undo.</summary>
    public void Complete()
    {
        if (_state is null) return;
        Delete();
        _state = null;
    }

    /// <summary>Whether a killed pass left its log (one stat: what a converged pass costs).</summary>
    public bool HasInterruptedPass => File.Exists(RootedPath.Combine(root, HostPath));

    /// <summary>
    /// Puts back the files of an interrupted pass, last written first. Returns the commands that pass had started, which the
    /// caller must run again so the kernel and dockerd follow the restored files; the log is deleted once the caller calls
    /// <see cref="Complete"/> (a recovery killed in turn is redone by the next pass). Null when there is no interrupted pass.
    /// </summary>
    public IReadOnlyList<string>? RestoreInterrupted()
    {
        var full = RootedPath.Combine(root, HostPath);
        if (!File.Exists(full)) return null;
        JournalState? state;
        string? why;
        try
        {
            state = JsonSerializer.Deserialize(File.ReadAllBytes(full), PassJournalContext.Default.JournalState);
            why = IsComplete(state) ? null : "a field is missing";
        }
        catch (JsonException e)
        {
            state = null;
            why = e.Message;
        }

        if (why is not null || state is null)
        {
            // Written atomically, so this is someone else's text: keep it for a person and go on without it.
            var kept = full + ".unreadable";
            File.Move(full, kept, overwrite: true);
            LogUnreadable(logger, full, why ?? "empty", kept);
            return null;
        }

        _state = state;
        LogRecovering(logger, state.Files.Count, state.Started.Count == 0 ? "none" : string.Join(", ", state.Started));
        for (var i = state.Files.Count - 1; i >= 0; i--) Restore(state.Files[i]);
        return state.Started;
    }

    /// <summary>JSON nulls get past non-nullable types: a log missing a field is not one to act on.</summary>
    private static bool IsComplete(JournalState? state) =>
        state is { Files: { } files, Started: { } started } && files.All(f => f is { Path: not null }) && started.All(a => a is not null);

    private void Restore(JournalFile file)
    {
        var onDisk = HostFile.ReadText(root, file.Path);
        if (string.Equals(onDisk, file.Before, StringComparison.Ordinal)) return; // killed before this write landed
        if (!string.Equals(onDisk, file.After, StringComparison.Ordinal))
        {
            LogChangedSince(logger, file.Path);
            return;
        }

        if (file.Before is null) _restorer.Delete(file.Path);
        else _restorer.Write(file.Path, file.Before, (UnixFileMode)file.ModeBefore);
        LogRestored(logger, file.Path);
    }

    private void Save(JournalState state) =>
        _writer.WriteBytes(HostPath, JsonSerializer.SerializeToUtf8Bytes(state, PassJournalContext.Default.JournalState), FileModes.Private);

    private void Delete()
    {
        var full = RootedPath.Combine(root, HostPath);
        if (!File.Exists(full)) return;
        File.Delete(full);
        Posix.FsyncDirectory(Path.GetDirectoryName(full)!);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The previous pass was interrupted: putting back the {Files} file(s) it wrote and re-running the commands it had started ({Started}) before this pass plans")]
    private static partial void LogRecovering(ILogger logger, int files, string started);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Put back {Path} as it was before the interrupted pass")]
    private static partial void LogRestored(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} changed since the interrupted pass wrote it: left as it is now")]
    private static partial void LogChangedSince(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Path} is not a pass journal ({Reason}); moved to {Kept}, nothing was put back")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason, string kept);
}

/// <summary>One recorded write. The texts are stored as their exact bytes (<see cref="JournalTextConverter"/>).</summary>
internal sealed record JournalFile(
    string Path,
    [property: JsonConverter(typeof(JournalTextConverter))] string? Before,
    [property: JsonConverter(typeof(JournalTextConverter))] string? After,
    int ModeBefore);

/// <summary>
/// A file's text in the journal as <c>{"base64": "…"}</c> of its <see cref="LosslessUtf8"/> bytes: a JSON string cannot hold
/// the escapes that stand for invalid UTF-8 (the serializer would write U+FFFD), and a restore must put back every byte.
/// A plain JSON string (a journal from before this format) is still read, as text.
/// </summary>
internal sealed class JournalTextConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartObject:
                string? text = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException("expected a property in a file text");
                    var name = reader.GetString();
                    reader.Read();
                    if (name == "base64") text = LosslessUtf8.Decode(reader.GetBytesFromBase64());
                    else reader.Skip();
                }

                return text ?? throw new JsonException("a file text without \"base64\"");
            default:
                throw new JsonException($"a file text is a {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteBase64String("base64", LosslessUtf8.Encode(value));
        writer.WriteEndObject();
    }
}

internal sealed record JournalState(List<JournalFile> Files, List<string> Started);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JournalState))]
internal sealed partial class PassJournalContext : JsonSerializerContext;
