using System.Text;

namespace Pulse.Benchmarks.Harness.Sandbox;

/// <summary>
/// A temporary /opt for one emulator run: extensions/&lt;name&gt; is a copy of the exec-stamp launcher,
/// .bench-targets/&lt;name&gt; the real extension (a binary, or the JIT wrapper script), and
/// .bench-targets/&lt;name&gt;.env its environment. Deleted on dispose.
/// </summary>
public sealed class OptDirectory : IDisposable
{
    private OptDirectory(string root, ExtensionVariant variant)
    {
        Root = root;
        Variant = variant;
    }

    public string Root { get; }
    public ExtensionVariant Variant { get; }
    public string ExtensionsDirectory => Path.Combine(Root, "extensions");
    public string? StampFile => Variant.ExtensionName is { } name ? Path.Combine(Root, ".bench-targets", name + ".exec") : null;

    public static OptDirectory Create(ExtensionVariant variant, string launcher)
    {
        var root = Directory.CreateTempSubdirectory("pulse-bench-opt-").FullName;
        var opt = new OptDirectory(root, variant);
        Directory.CreateDirectory(opt.ExtensionsDirectory);
        if (variant is { ExtensionName: { } name, Executable: { } executable })
        {
            var targets = Directory.CreateDirectory(Path.Combine(root, ".bench-targets")).FullName;
            var extension = Path.Combine(opt.ExtensionsDirectory, name);
            File.Copy(launcher, extension);
            File.SetUnixFileMode(extension, (UnixFileMode)0b111_101_101);
            // Copied, not linked: the launcher finds its target next to itself, and a run never
            // depends on files another run may be rebuilding.
            var target = Path.Combine(targets, name);
            File.Copy(executable, target);
            File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
            var env = new StringBuilder();
            foreach (var (key, value) in variant.Environment) env.Append(key).Append('=').Append(value).Append('\n');
            File.WriteAllText(Path.Combine(targets, name + ".env"), env.ToString());
        }
        return opt;
    }

    public IReadOnlyList<ExecStamp> Stamps() => StampFile is null ? [] : ExecStamp.ReadAll(StampFile);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a process still holds a file: the temp folder is cleaned by the OS */ }
    }
}
