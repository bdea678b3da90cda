using System.Net;
using System.Text.Json;
using Ipv6Agent.Rendering.Docker;

namespace Ipv6Agent.Rendering;

public sealed class DaemonJsonRendererTests
{
    private static readonly Version Docker20 = new(20, 10, 24);
    private static readonly Version Docker27 = new(27, 3, 1);

    private static string Merge(string? current, Version? version = null) =>
        DaemonJsonRenderer.Merge(current, BlogPlan.DockerCidr, version ?? Docker27);

    [Fact]
    public void Merge_NoFile_WritesAFreshPrettyObject() =>
        Golden.AssertMatches("docker/daemon.fresh.json", Merge(null));

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    public void Merge_EmptyFile_WritesAFreshPrettyObject(string empty) =>
        Assert.Equal(Merge(null), Merge(empty));

    [Fact]
    public void Merge_CommentedFile_KeepsCommentsKeysAndOrderAndReplacesOwnedValuesInPlace()
    {
        var merged = Merge(Fixture.Text("docker/daemon.commented.json"));

        Golden.AssertMatches("docker/daemon.commented.merged.json", merged);
        Assert.Contains("    // Set by the platform team; do not change.\n", merged);
        Assert.Contains("    \"fixed-cidr-v6\": \"2001:db8:47b:ca03::8/126\",\n", merged);
        Assert.Contains("    \"ipv6\": true, // turned on by ipv6-agent\n", merged);
        Assert.EndsWith("    \"registry-mirrors\": [\"https://mirror.example.com\"],\n    \"ip6tables\": false\n}\n", merged);
    }

    [Fact]
    public void Merge_CompactFileWithoutNewline_AppendsOnTheSameLineAndStillEndsWithoutOne()
    {
        var merged = Merge(Fixture.Text("docker/daemon.compact.json"));

        Golden.AssertMatches("docker/daemon.compact.merged.json", merged);
        Assert.Equal("""{"data-root":"/var/lib/docker","features":{"buildkit":true},"ipv6":true,"fixed-cidr-v6":"2001:db8:47b:ca03::8/126","ip6tables":false}""", merged);
    }

    [Fact]
    public void Merge_TabIndentedFile_AppendsWithTabs() =>
        Golden.AssertMatches("docker/daemon.tabs.merged.json", Merge(Fixture.Text("docker/daemon.tabs.json")));

    [Fact]
    public void Merge_ConvergedFile_ReturnsItByteForByte()
    {
        var converged = Fixture.Text("docker/daemon.converged.json");

        Assert.Equal(converged, Merge(converged));
    }

    [Fact]
    public void Merge_SameCidrSpelledDifferently_LeavesItAlone()
    {
        const string text = "{\n  \"ipv6\": true,\n  \"fixed-cidr-v6\": \"2001:DB8:47B:CA03:0:0:0:8/126\",\n  \"ip6tables\": false\n}\n";

        Assert.Equal(text, Merge(text));
    }

    [Theory]
    [InlineData("docker/daemon.commented.json")]
    [InlineData("docker/daemon.compact.json")]
    [InlineData("docker/daemon.tabs.json")]
    [InlineData("docker/daemon.converged.json")]
    public void Merge_Twice_IsTheSameAsOnce(string fixture)
    {
        var once = Merge(Fixture.Text(fixture));

        Assert.Equal(once, Merge(once));
    }

    [Theory]
    [InlineData("19.03.15", false)]
    [InlineData("20.10.0", true)]
    [InlineData("24.0.7", true)]
    [InlineData("27.3.1", true)]
    [InlineData("28.0.0", true)]
    [InlineData(null, true)]
    public void Merge_VersionMatrix_WritesIp6TablesFalseFrom2010AndForUnknownVersions(string? version, bool writesIp6Tables)
    {
        var merged = DaemonJsonRenderer.Merge("{\"debug\": true}\n", BlogPlan.DockerCidr, version is null ? null : Version.Parse(version));

        using var json = JsonDocument.Parse(merged);
        Assert.Equal(writesIp6Tables, json.RootElement.TryGetProperty("ip6tables", out var ip6tables));
        if (writesIp6Tables) Assert.Equal(JsonValueKind.False, ip6tables.ValueKind);
        Assert.True(json.RootElement.GetProperty("ipv6").GetBoolean());
        Assert.True(json.RootElement.GetProperty("debug").GetBoolean());
    }

    [Fact]
    public void Merge_Ip6TablesTrueOnDocker27_TurnsItOffInPlace()
    {
        const string text = "{\n  \"ip6tables\": true,\n  \"experimental\": true\n}\n";

        Assert.Equal("{\n  \"ip6tables\": false,\n  \"experimental\": true,\n  \"ipv6\": true,\n  \"fixed-cidr-v6\": \"2001:db8:47b:ca03::8/126\"\n}\n",
            Merge(text));
    }

    [Fact]
    public void Merge_OldEngineWithoutIp6Tables_DoesNotAddTheKey()
    {
        var merged = Merge(null, new Version(19, 3));

        Assert.DoesNotContain("ip6tables", merged);
    }

    [Fact]
    public void Merge_EmptyObject_FillsItPretty()
    {
        Assert.Equal(Merge(null), Merge("{}\n"));
        Assert.Equal(Merge(null).TrimEnd('\n'), Merge("{}")); // a missing final newline stays missing (issue 8, item 15)
    }

    [Fact]
    public void Merge_TrailingLineComment_StaysWithItsMember()
    {
        const string text = "{\n  \"debug\": true // keep me\n}\n";

        Assert.Equal("{\n  \"debug\": true, // keep me\n  \"ipv6\": true,\n  \"fixed-cidr-v6\": \"2001:db8:47b:ca03::8/126\",\n  \"ip6tables\": false\n}\n",
            Merge(text));
    }

    [Fact]
    public void Merge_CrLfFile_KeepsCrLf()
    {
        var merged = Merge("{\r\n  \"debug\": true\r\n}\r\n");

        Assert.Equal("{\r\n  \"debug\": true,\r\n  \"ipv6\": true,\r\n  \"fixed-cidr-v6\": \"2001:db8:47b:ca03::8/126\",\r\n  \"ip6tables\": false\r\n}\r\n", merged);
    }

    [Fact]
    public void Merge_InvalidJson_NamesTheFileLineAndByteAndLeavesItAlone()
    {
        var error = Assert.Throws<RenderingException>(() => Merge("{\n  \"debug\": true,\n  \"log-driver\" \"journald\"\n}\n"));

        Assert.Equal("/etc/docker/daemon.json", error.HostPath);
        Assert.StartsWith("/etc/docker/daemon.json: invalid JSON at line 3, byte ", error.Message);
        Assert.EndsWith("dockerd cannot read this file either; fix it (`python3 -m json.tool FILE` shows where) and run ipv6-agent again. The file was left unchanged.", error.Message);
    }

    [Fact]
    public void Merge_TrailingComma_IsRefusedLikeDockerdRefusesIt()
    {
        var error = Assert.Throws<RenderingException>(() => Merge("{\n  \"debug\": true,\n}\n"));

        Assert.StartsWith("/etc/docker/daemon.json: invalid JSON at line 3, byte 1: ", error.Message);
    }

    [Fact]
    public void Merge_TwoRootValues_AreRefused() =>
        Assert.Contains("invalid JSON at line 1", Assert.Throws<RenderingException>(() => Merge("{} {}")).Message);

    [Theory]
    [InlineData("[1, 2]", "an array")]
    [InlineData("\"ipv6\"", "a string")]
    [InlineData("null", "null")]
    public void Merge_RootIsNotAnObject_SaysWhatItIs(string text, string what)
    {
        var error = Assert.Throws<RenderingException>(() => DaemonJsonRenderer.Merge(text, BlogPlan.DockerCidr, null, "/srv/daemon.json"));

        Assert.Equal($"/srv/daemon.json: the top level is {what}, not a JSON object ({{ … }}). dockerd expects an object of settings; fix the file (or move it away) and run ipv6-agent again. The file was left unchanged.",
            error.Message);
    }

    [Fact]
    public void Merge_OtherCidr_ReplacesOnlyTheValue()
    {
        var merged = DaemonJsonRenderer.Merge(Fixture.Text("docker/daemon.converged.json"), IPNetwork.Parse("2001:db8:47b:ca03::10/126"), Docker20);

        Assert.Equal(Fixture.Text("docker/daemon.converged.json").Replace("::8/126", "::10/126", StringComparison.Ordinal), merged);
    }
}
