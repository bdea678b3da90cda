using System.Text;
using Ipv6Agent.Inspecting;
using Ipv6Agent.Rendering;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ipv6Agent.Applying;

/// <summary>
/// Every byte of an edited file the agent does not mean to change survives (issue 8, item 15): invalid UTF-8, a BOM, CRLF line
/// endings, a missing final newline; through the host snapshot, the rewrite, the "changed on disk" check and the pass journal.
/// </summary>
public sealed class LosslessTextTests
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Invalid UTF-8 of every kind: a stray continuation byte, a truncated sequence, an overlong form, an encoded surrogate, bytes above F4.</summary>
    public static TheoryData<string> Hostile => new()
    {
        "80",
        "c3",
        "e2 82",
        "c0 af",
        "ed a0 80",
        "f8 88 80 80 80",
        "ff fe",
        "ef bb bf",           // a BOM alone
        "f0 90 80 80",        // a valid supplementary character, whose UTF-16 low half is in the escape range's neighbourhood
        "f0 90 82 80 ed b2 80",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Codec_RoundTripsEveryByteSequence(string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

        Assert.Equal(bytes, LosslessUtf8.Encode(LosslessUtf8.Decode(bytes)));
    }

    [Fact]
    public void Codec_RandomBytes_RoundTripExactly()
    {
        var random = new Random(8);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            // Half of them mostly text, with a few bad bytes: what a real file with one bad line looks like.
            if (i % 2 == 0)
                for (var j = 0; j < bytes.Length; j++) bytes[j] = j % 9 == 0 ? bytes[j] : (byte)('a' + bytes[j] % 26);
            Assert.Equal(bytes, LosslessUtf8.Encode(LosslessUtf8.Decode(bytes)));
        }
    }

    [Fact]
    public void Codec_ValidText_IsDecodedAsUtf8()
    {
        Assert.Equal("ü € 😀", LosslessUtf8.Decode(Encoding.UTF8.GetBytes("ü € 😀")));
        Assert.Equal("\uFEFFnetwork:", LosslessUtf8.Decode([0xEF, 0xBB, 0xBF, .. "network:"u8]));
    }

    [Fact]
    public void Rewrite_OfOneLine_KeepsInvalidBytesBomCrlfAndTheMissingFinalNewlineElsewhere()
    {
        using var root = new ScratchRoot();
        byte[] original = [0xEF, 0xBB, 0xBF, .. "# caf"u8, 0xE9, .. " in Latin-1\r\ndeb http://old/ noble main\r\n# tail "u8, 0xFF];
        root.PutBytes("/etc/apt/sources.list", original);

        var text = HostFile.ReadText(root.Path, "/etc/apt/sources.list")!;
        var desired = text.Replace("http://old/", "http://new/", StringComparison.Ordinal);
        var tx = new FileTransaction(root.Path, new AtomicFileWriter(root.Path), NullLogger<FileTransaction>.Instance);
        tx.Apply([new FileEdit("/etc/apt/sources.list", text, desired)]);

        byte[] expected = [0xEF, 0xBB, 0xBF, .. "# caf"u8, 0xE9, .. " in Latin-1\r\ndeb http://new/ noble main\r\n# tail "u8, 0xFF];
        Assert.Equal(expected, File.ReadAllBytes(root.Full("/etc/apt/sources.list")));
        Assert.Equal(original, File.ReadAllBytes(root.Full(FileBackups.HostDirectory + "/etc/apt/sources.list")));

        tx.Rollback();
        Assert.Equal(original, File.ReadAllBytes(root.Full("/etc/apt/sources.list")));
    }

    [Fact]
    public void Journal_StoresTheExactBytes_AndAKilledPassIsUndoneByteForByte()
    {
        using var root = new ScratchRoot();
        byte[] before = [.. "network:\r\n  # "u8, 0xC3, 0x28, 0xA0, .. "\r\n  version: 2"u8];
        root.PutBytes("/etc/netplan/50-cloud-init.yaml", before);
        var text = HostFile.ReadText(root.Path, "/etc/netplan/50-cloud-init.yaml")!;
        var killed = new PassJournal(root.Path, NullLogger<PassJournal>.Instance);
        new FileTransaction(root.Path, new AtomicFileWriter(root.Path), NullLogger<FileTransaction>.Instance, killed)
            .Apply([new FileEdit("/etc/netplan/50-cloud-init.yaml", text, text + "\n# agent\n", FileModes.Private)]);

        var json = File.ReadAllText(root.Full(PassJournal.HostPath));
        Assert.Contains(Convert.ToBase64String(before), json);
        Assert.DoesNotContain("\\uFFFD", json, StringComparison.OrdinalIgnoreCase);

        var next = new PassJournal(root.Path, NullLogger<PassJournal>.Instance);
        Assert.NotNull(next.RestoreInterrupted());
        Assert.Equal(before, File.ReadAllBytes(root.Full("/etc/netplan/50-cloud-init.yaml")));
    }

    [Fact]
    public void Journal_FromBeforeTheByteFormat_IsStillRead()
    {
        using var root = new ScratchRoot();
        root.Put("/etc/netplan/60-ipv6-agent.yaml", "network: {}\n", Mode0600);
        root.Put(PassJournal.HostPath,
            "{\"files\":[{\"path\":\"/etc/netplan/60-ipv6-agent.yaml\",\"before\":null,\"after\":\"network: {}\\n\",\"modeBefore\":384}],\"started\":[]}");

        Assert.NotNull(new PassJournal(root.Path, NullLogger<PassJournal>.Instance).RestoreInterrupted());

        Assert.False(File.Exists(root.Full("/etc/netplan/60-ipv6-agent.yaml")));
    }
}
