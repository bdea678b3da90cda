using System.Runtime.CompilerServices;

namespace Ipv6Agent.Rendering;

/// <summary>
/// Compares rendered text with a file under <c>Golden/</c>, byte for byte. <c>UPDATE_GOLDEN=1 dotnet test …</c> rewrites the
/// golden files in the source tree instead (review the git diff afterwards); by default a mismatch fails.
/// </summary>
internal static class Golden
{
    public static void AssertMatches(string name, string actual, [CallerFilePath] string caller = "")
    {
        var sourceFile = Path.Combine(ProjectDirectory(caller), "Golden", name);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(sourceFile)!);
            File.WriteAllText(sourceFile, actual);
            return;
        }
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        Assert.True(File.Exists(path), $"golden file Golden/{name} is missing; run the tests with UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    private static string ProjectDirectory(string caller)
    {
        var directory = Path.GetDirectoryName(caller);
        while (directory is not null && !File.Exists(Path.Combine(directory, "Ipv6Agent.Core.Tests.csproj")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException($"no test project above {caller}");
    }
}

internal static class Fixture
{
    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));
}
