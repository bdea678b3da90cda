using Ipv6Agent.Configuration;
using Ipv6Agent.Host;
using Ipv6Agent.Rendering;
using Microsoft.Extensions.Logging;

namespace Ipv6Agent.Applying;

/// <summary>
/// Applies a pass's <see cref="FileEdit"/>s all or nothing: refuses to start when a file changed on disk since the pass read it,
/// and can put back the exact texts the pass started from, in reverse order. With a <see cref="PassJournal"/>, each write is
/// recorded there first, so a process killed half way is undone by the next pass.
/// </summary>
internal sealed partial class FileTransaction(string root, AtomicFileWriter writer, ILogger<FileTransaction> logger, PassJournal? journal = null)
{
    private readonly List<AppliedEdit> _applied = [];

    /// <summary>The edits written so far (in order), each with the text it replaced.</summary>
    public IReadOnlyList<FileEdit> Applied => _applied.Select(a => a.Edit).ToList();

    /// <summary>
    /// Writes every changing edit. Before writing anything, compares each file on disk with the edit's <see cref="FileEdit.Current"/>:
    /// a difference means someone else changed it after this pass read it, and nothing is written.
    /// If a write fails, the ones already made are rolled back and the error is thrown.
    /// </summary>
    /// <exception cref="ApplyException">A file changed underneath, or a write failed (already rolled back).</exception>
    public void Apply(IReadOnlyList<FileEdit> edits)
    {
        var changing = edits.Where(e => e.Changes).ToList();
        foreach (var edit in changing) EnsureUnchangedOnDisk(edit);

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
                Rollback();
                throw new ApplyException($"could not write {edit.Path}: {e.Message}; every file of this pass was put back as it was", e);
            }

            _applied.Add(new AppliedEdit(edit, modeBefore));
            LogWritten(logger, edit.Path, edit.Action.ToString().ToLowerInvariant());
        }
    }

    /// <summary>Puts back the text each applied edit replaced (deleting files the pass created), last change first.</summary>
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
            }
        }

        _applied.Clear();
    }

    private void EnsureUnchangedOnDisk(FileEdit edit)
    {
        var onDisk = HostFile.ReadText(root, edit.Path); // as the host snapshot read it: every byte, links inside the root
        if (string.Equals(onDisk, edit.Current, StringComparison.Ordinal)) return;
        var what = (edit.Current, onDisk) switch
        {
            (null, _) => "appeared",
            (_, null) => "disappeared",
            _ => "changed",
        };
        throw new ApplyException(
            $"{edit.Path} {what} on disk after this pass read it (is something else editing it?); nothing was written, " +
            "the next pass starts again from what is there now");
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
