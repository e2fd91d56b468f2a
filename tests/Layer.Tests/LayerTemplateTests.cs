using System.Text.RegularExpressions;
using Pulse.Testing;

namespace Pulse.Layer.Tests;

/// <summary>The publishing template must point each layer at the zip build.sh makes for that architecture.</summary>
public sealed class LayerTemplateTests
{
    private static readonly string Template = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "layer", "template.yaml"));

    [Theory]
    [InlineData("PulseLayerX8664", "x86_64")]
    [InlineData("PulseLayerArm64", "arm64")]
    public void Each_layer_names_its_own_zip_and_architecture(string resource, string arch)
    {
        var block = Regex.Match(Template, $@"^  {resource}:\n((?:    .*\n|\s*\n)+)", RegexOptions.Multiline);
        Assert.True(block.Success, $"{resource} not found in layer/template.yaml");
        var body = block.Groups[1].Value;
        Assert.Contains($"ContentUri: ../dist/pulse-{arch}.zip", body);
        Assert.Contains($"CompatibleArchitectures: [{arch}]", body);
        Assert.Contains("CompatibleRuntimes:", body);
    }

    [Fact]
    public void Only_amazon_linux_2023_runtimes_are_declared()
    {
        // provided.al2 has glibc 2.26; the binary needs 2.34 (build.sh enforces it).
        Assert.Contains("- provided.al2023", Template);
        Assert.DoesNotMatch(new Regex(@"- provided\.al2\s*$", RegexOptions.Multiline), Template);
        Assert.DoesNotContain("python3.11", Template);
        Assert.DoesNotContain("nodejs18.x", Template);
    }
}
