using System.Text;
using Ipv6Agent.Applying;
using Ipv6Agent.Configuration;
using Ipv6Agent.Inspecting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Rendering;

/// <summary>
/// Issue 8, item 15, end to end through the agent's own chain (host snapshot → renderer → transaction): a netplan file, an apt
/// source and daemon.json with a BOM, CRLF line endings, bytes that are not UTF-8 and no final newline get exactly the edit the
/// agent means (the same as on a clean file) and keep every other byte.
/// </summary>
public sealed class ByteExactEditTests
{
    /// <summary>A Latin-1 comment (0xE9 is not UTF-8) and a stray 0xFF: what a hand-edited file may hold.</summary>
    private static readonly byte[] Latin1Comment = [.. "# r"u8, 0xE9, .. "seau du bureau "u8, 0xFF, .. "\n"u8];

    /// <summary>Valid UTF-8 beyond ASCII.</summary>
    private static readonly byte[] Utf8Comment = "# réseau ✓ 😀\n"u8.ToArray();

    /// <summary>The clean file's text made hostile: BOM, odd lines after the first, CRLF, no final newline.</summary>
    private static byte[] Hostile(string clean, string hostPath)
    {
        byte[] badLine = hostPath.EndsWith(".json", StringComparison.Ordinal)
            ? [.. "// r"u8, 0xE9, .. "seau "u8, 0xFF, .. "\n"u8, .. "// ✓ 😀\n"u8]
            : [.. Latin1Comment, .. Utf8Comment];
        var firstLine = clean.IndexOf('\n') + 1;
        byte[] lf = [.. Encoding.UTF8.GetBytes(clean[..firstLine]), .. badLine, .. Encoding.UTF8.GetBytes(clean[firstLine..])];
        var crlf = new List<byte> { 0xEF, 0xBB, 0xBF };
        foreach (var b in lf)
        {
            if (b == (byte)'\n') crlf.Add((byte)'\r');
            crlf.Add(b);
        }

        if (crlf[^1] == '\n') crlf.RemoveRange(crlf.Count - 2, 2);
        return [.. crlf];
    }

    public static TheoryData<string, string> Files => new()
    {
        { "/etc/netplan/50-cloud-init.yaml", "netplan/50-cloud-init.modern.yaml" },
        { "/etc/apt/sources.list", "apt/sources.list" },
        { "/etc/apt/sources.list.d/ubuntu.sources", "apt/ubuntu.sources" },
        { "/etc/docker/daemon.json", "docker/daemon.commented.json" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Edit_OfAHostileFile_IsTheCleanEditWithEveryOtherByteKept(string hostPath, string fixture)
    {
        var clean = Fixture.Text(fixture);
        var cleanResult = Render(hostPath, Encoding.UTF8.GetBytes(clean));
        Assert.NotEqual(clean, Encoding.UTF8.GetString(cleanResult)); // the agent does change this file

        var result = Render(hostPath, Hostile(clean, hostPath));

        Assert.Equal(Hostile(Encoding.UTF8.GetString(cleanResult), hostPath), result);
    }

    /// <summary>The bytes the agent leaves in <paramref name="hostPath"/> after one real pass over a root holding <paramref name="bytes"/>.</summary>
    private static byte[] Render(string hostPath, byte[] bytes)
    {
        using var root = new ScratchRoot();
        root.PutBytes(hostPath, bytes);
        var host = HostInspector.Read(new AgentOptions { Root = root.Path }, new Version(27, 3, 1));
        var edits = DesiredState.Build(BlogPlan.Create(), host, new DesiredStateOptions(FixMirrors: true));
        new FileTransaction(root.Path, new AtomicFileWriter(root.Path), NullLogger<FileTransaction>.Instance)
            .Apply(edits.Where(e => e.Path == hostPath).ToList());
        return File.ReadAllBytes(root.Full(hostPath));
    }
}
