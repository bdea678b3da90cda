using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Rendering;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Applying;

/// <summary>
/// Applies a pass's <see cref="FileEdit"/>s all or nothing, in steps: refuses a file that changed on disk since the pass read it,
/// and puts back the exact texts the pass started from, in reverse order, when a step fails or the caller rolls back. With a <see cref="PassJournal"/>, each write is
/// recorded there first, so a process killed half way is undone by the next pass.
/// </summary>
internal sealed partial class FileTransaction(string root, AtomicFileWriter writer, ILogger<FileTransaction> logger, PassJournal? journal = null)
{
    private readonly List<AppliedEdit> _applied = [];

    /// <summary>The edits written so far (in order), each with the text it replaced.</summary>
    public IReadOnlyList<FileEdit> Applied => _applied.Select(a => a.Edit).ToList();

    /// <summary>
    /// Writes every changing edit, each after checking that the file on disk still holds the edit's <see cref="FileEdit.Current"/>
    /// (a difference means someone else changed it after this pass read it). Called once per step of a pass; a failure at any
    /// step puts back every file this transaction wrote, in earlier steps too, and says so in the error.
    /// </summary>
    /// <exception cref="ApplyException">A file changed underneath, or a write failed; every file of the transaction is already put back.</exception>
    public void Apply(IReadOnlyList<FileEdit> edits)
    {
        var changing = edits.Where(e => e.Changes).ToList();
        // All of this step's files first, so that one changed underneath stops the step before any of it is written.
        foreach (var edit in changing)
        {
            if (ChangedOnDisk(edit) is { } changed) throw Failed(changed);
        }

        foreach (var edit in changing)
        {
            var full = RootedPath.Resolve(root, edit.Path); // a link inside the root: the mode of the file it points to
            var modeBefore = File.Exists(full) ? File.GetUnixFileMode(full) : edit.Mode;
            try
            {
                journal?.RecordWrite(edit.Path, edit.Current, edit.Desired, modeBefore);
                if (edit.Desired is null) writer.Delete(edit.Path);
                else writer.Write(edit.Path, edit.Desired, edit.Mode);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(logger, edit.Path, e.Message);
                throw Failed($"could not write {edit.Path}: {e.Message}", e);
            }

            _applied.Add(new AppliedEdit(edit, modeBefore));
            LogWritten(logger, edit.Path, edit.Action.ToString().ToLowerInvariant());
        }
    }

    /// <summary>
    /// Checks every changing edit against the disk without writing: a pass calls it for all its steps before the first, so that
    /// a file someone else changed stops the pass before anything is written or run.
    /// </summary>
    /// <exception cref="ApplyException">A file changed on disk after the pass read it; nothing was written.</exception>
    public void EnsureUnchangedOnDisk(IEnumerable<FileEdit> edits)
    {
        foreach (var edit in edits.Where(e => e.Changes))
        {
            if (ChangedOnDisk(edit) is { } changed) throw Failed(changed);
        }
    }

    /// <summary>
    /// The error of a failed step, after putting back what the transaction wrote: it tells what the host is left with, so
    /// "nothing was written" is said only when nothing was.
    /// </summary>
    private ApplyException Failed(string cause, Exception? inner = null)
    {
        if (_applied.Count == 0)
            return new ApplyException($"{cause}; nothing was written, the next pass starts again from what is there now", inner);
        var written = _applied.Count;
        Rollback();
        if (NotPutBack.Count == 0) return new ApplyException($"{cause}; the {written} file(s) this pass had written were put back", inner);
        return new ApplyException(
            $"{cause}; {written - NotPutBack.Count} of the {written} file(s) this pass had written were put back, " +
            $"{string.Join(", ", NotPutBack)} could not be (the next pass tries again; the originals are in {FileBackups.HostDirectory})", inner);
    }

    /// <summary>Files a rollback could not put back: they still hold this pass's text, and the journal must stay for the next pass.</summary>
    public IReadOnlyList<string> NotPutBack => _notPutBack;

    private readonly List<string> _notPutBack = [];

    /// <summary>
    /// Puts back the text each applied edit replaced (deleting files the pass created), last change first. A file that cannot be
    /// put back is logged and listed in <see cref="NotPutBack"/>; the others are still put back.
    /// </summary>
    public void Rollback()
    {
        for (var i = _applied.Count - 1; i >= 0; i--)
        {
            var (edit, modeBefore) = _applied[i];
            try
            {
                if (edit.Current is null) writer.Delete(edit.Path);
                else writer.Write(edit.Path, edit.Current, modeBefore);
                LogRolledBack(logger, edit.Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Keep going: putting back the other files matters more than this one; the backup still holds the original.
                LogRollbackFailed(logger, edit.Path, e.Message, writer.Backups.BackupPathOf(edit.Path));
                _notPutBack.Add(edit.Path);
            }
        }

        _applied.Clear();
    }

    private string? ChangedOnDisk(FileEdit edit)
    {
        string? onDisk;
        try
        {
            onDisk = HostFile.ReadText(root, edit.Path); // as the host snapshot read it: every byte, links inside the root
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Replaced by a directory, a FIFO or a link out of the root since the pass read it: not something to write over.
            return $"{edit.Path} can no longer be read as the file this pass read: {e.Message}";
        }

        if (string.Equals(onDisk, edit.Current, StringComparison.Ordinal)) return null;
        var what = (edit.Current, onDisk) switch
        {
            (null, _) => "appeared",
            (_, null) => "disappeared",
            _ => "changed",
        };
        return $"{edit.Path} {what} on disk after this pass read it (is something else editing it?)";
    }

    private readonly record struct AppliedEdit(FileEdit Edit, UnixFileMode ModeBefore);

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Wrote {Path} ({Action})")]
    private static partial void LogWritten(ILogger logger, string path, string action);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Could not write {Path}: {Reason}; rolling back this pass")]
    private static partial void LogWriteFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Rolled back {Path} to its text before this pass")]
    private static partial void LogRolledBack(ILogger logger, string path);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Could not roll back {Path}: {Reason}; the original is in {Backup}")]
    private static partial void LogRollbackFailed(ILogger logger, string path, string reason, string backup);
}
