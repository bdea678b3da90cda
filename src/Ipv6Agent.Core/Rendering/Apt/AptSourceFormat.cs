namespace Ipv6Agent.Rendering.Apt;

/// <summary>The two formats of apt source files.</summary>
public enum AptSourceFormat
{
    /// <summary><c>sources.list</c> and <c>*.list</c>: one <c>deb [options] uri suite components</c> line per source.</summary>
    OneLine,

    /// <summary><c>*.sources</c>: deb822 stanzas with a <c>URIs:</c> field.</summary>
    Deb822,
}
