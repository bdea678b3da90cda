using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ipv6Agent.Configuration;

/// <summary>The fast reader must give YamlDotNet's tree for everything it accepts, and decline the rest.</summary>
public sealed class SimpleYamlTests
{
    public static TheoryData<string> Accepted => new()
    {
        "",
        "\n\n",
        "# only a comment\n   # and another\n",
        "root: /mnt/image\n",
        "root: /mnt/image",
        "root: /mnt/image   # where the image is mounted\r\n",
        """
        # ipv6-agent configuration
        root: /
        imds:
          endpoint: http://[fd00:ec2::254]
        interface: 12:FB:B4:8B:15:F8
        addressing: block
        apt:
          fix-mirrors: never
        probe:
          image: registry.local/busybox:1.36
          targets: [2001:db8:47b:ca03:0:0:0:e, ipv6.example.com]
        reconcile:
          interval: 1h30m
        commands:
          netplan-apply: /usr/local/bin/apply-net --now
          docker-restart: systemctl restart docker
        """,
        "probe:\n  targets:\n    - 2001:db8::e\n    - example.com # the blog\n  image: busybox:stable\n",
        "probe:\n  targets:\n  - 2001:db8::e\n  - example.com\nreconcile:\n  interval: 5m\n",
        "probe:\n  targets: []\n",
        "probe:\n  targets: [ ]\n",
        "probe:\n  targets: [ a.example , 2001:db8::1 ]\n",
        "probe:\n  targets:\n",
        "probe:\nroot: /\n",
        "root:\n",
        "root: # nothing\n",
        "apt:\n    fix-mirrors: yes\n",
        "addressing: null\n",
        "commands:\n  netplan-apply: a, b and [c]\n",
        "imds:\n  endpoint: auto\n\n\n  # later\n",
        "7: x\n",
        "key_with_underscore: v:w\n",
    };

    public static TheoryData<string> Declined => new()
    {
        "root: '/mnt/image'\n",
        "root: \"/mnt/image\"\n",
        "root: &r /mnt\n",
        "root: *r\n",
        "root: !!str /mnt\n",
        "root: |\n  /mnt\n",
        "root: >\n  /mnt\n",
        "root: /mnt\n  /image\n",
        "root: /a\nroot: /b\n",
        "---\nroot: /\n",
        "root: /\n...\n",
        "%YAML 1.2\n---\nroot: /\n",
        "root:\t/\n",
        "\troot: /\n",
        "root: /mnt/imäge\n",
        "\uFEFFroot: /\n",
        "  root: /\n",
        "- a\n- b\n",
        "~\n",
        "root:/\n",
        "root: a: b\n",
        "root: a:\n",
        "root: a#b\n",
        "root: {a: b}\n",
        "probe:\n  targets: [a, [b]]\n",
        "probe:\n  targets: [a, , b]\n",
        "probe:\n  targets: [a, b,]\n",
        "probe:\n  targets: [::1]\n",
        "probe:\n  targets:\n    - a\n      b\n",
        "probe:\n  targets:\n    -\n",
        "probe:\n  targets:\n    - k: v\n",
        "probe:\n  image: x\n   other: y\n",
        "? root\n: /\n",
        "\"root\": /\n",
        "imds:\n  endpoint: -1\n",
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void TryParse_PlainConfig_GivesYamlDotNetsTree(string text)
    {
        Assert.True(SimpleYaml.TryParse(text, out var root));

        Assert.Equal(FullTree(text), Dump(root));
    }

    [Theory]
    [MemberData(nameof(Declined))]
    public void TryParse_AnythingOutsideThePlainSubset_IsLeftToYamlDotNet(string text)
    {
        Assert.False(SimpleYaml.TryParse(text, out _));
    }

    /// <summary>Random configs built from the pieces people (and typos) put in them: whatever is accepted must read as YamlDotNet reads it.</summary>
    [Fact]
    public void TryParse_RandomConfigs_AcceptsOnlyWhatYamlDotNetReadsTheSame()
    {
        string[] keys = ["root", "imds", "endpoint", "probe", "targets", "image", "a-b", "x_1", "7"];
        string[] values = ["/", "/mnt/x", "auto", "5m", "busybox:stable", "http://[fd00:ec2::254]", "2001:db8::e", "a b", "null", "~", "yes",
            "x:y", "x: y", "x:", ".hidden", "-1", "'q'", "\"q\"", "[a, b]", "[]", "[a,b", "{a: 1}", "a #c", "a#c", "&x y", "*x", "|", ">", "!t v",
            "é", "a,b", "[::1]", "[a:b, c]", "[ a ]", "? k"];
        string[] indents = ["", "", "", "  ", "  ", "    ", " ", "   ", "\t"];
        var random = new Random(20261127);
        var accepted = 0;
        for (var n = 0; n < 20000; n++)
        {
            var text = new StringBuilder();
            var lines = random.Next(1, 6);
            for (var l = 0; l < lines; l++)
            {
                text.Append(indents[random.Next(indents.Length)]);
                switch (random.Next(10))
                {
                    case 0: text.Append("# note"); break;
                    case 1 or 2: text.Append("- ").Append(values[random.Next(values.Length)]); break;
                    case 3 or 4: text.Append(keys[random.Next(keys.Length)]).Append(':'); break;
                    case 5: text.Append(keys[random.Next(keys.Length)]).Append(": ").Append(values[random.Next(values.Length)]).Append(" # why"); break;
                    default: text.Append(keys[random.Next(keys.Length)]).Append(": ").Append(values[random.Next(values.Length)]); break;
                }
                text.Append(random.Next(8) == 0 ? "\r\n" : "\n");
            }
            var yaml = text.ToString();
            if (!SimpleYaml.TryParse(yaml, out var root)) continue;
            accepted++;
            Assert.True(FullTree(yaml) == Dump(root), $"differs from YamlDotNet on:\n{yaml}\nsimple: {Dump(root)}\nfull:   {FullTree(yaml)}");
        }
        // The generator must exercise the accepting side too, or this test proves nothing.
        Assert.InRange(accepted, 1000, 20000);
    }

    private static string FullTree(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return "error: " + e.Message;
        }
        return stream.Documents.Count == 0 ? "none" : Dump(stream.Documents[0].RootNode);
    }

    private static string Dump(YamlNode? node) => node switch
    {
        null => "none",
        YamlScalarNode s => "S(" + s.Value + ")",
        YamlMappingNode m => "M{" + string.Join(", ", m.Children.Select(c => Dump(c.Key) + "=" + Dump(c.Value))) + "}",
        YamlSequenceNode q => "L[" + string.Join(", ", q.Children.Select(Dump)) + "]",
        _ => node.GetType().Name,
    };
}
