using Ipv6Agent.Reporting;

namespace Ipv6Agent.Rendering;

/// <summary>One file the agent owns or edits: its text now and the text it should have (<c>null</c>: absent / to delete).</summary>
/// <param name="Path">Host path (no root prefix).</param>
/// <param name="Mode">Mode to create the file with; an existing file keeps its owner and mode.</param>
public sealed record FileEdit(string Path, string? Current, string? Desired, UnixFileMode Mode = FileModes.Default)
{
    /// <summary>What the file is for; tells the applier which command a change needs.</summary>
    public FileRole Role { get; init; }

    public ChangeAction Action => (Current, Desired) switch
    {
        (null, null) => ChangeAction.Unchanged,
        (null, _) => ChangeAction.Create,
        (_, null) => ChangeAction.Delete,
        _ when string.Equals(Current, Desired, StringComparison.Ordinal) => ChangeAction.Unchanged,
        _ => ChangeAction.Update,
    };

    public bool Changes => Action != ChangeAction.Unchanged;
}

internal static class FileModes
{
    public const UnixFileMode Default = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>netplan warns about (and newer versions refuse) world-readable files: 0600.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
