using System.IO.Compression;

namespace Pulse.Docker.Tests;

/// <summary>
/// Stages the build context of tests/docker/Dockerfile in a temporary directory: the emulator, the
/// layer unzipped as Lambda unzips it into /opt, the test function, and (arm64 only) qemu-user with
/// arm64 glibc so the arm64 extension runs on this x86_64 host.
/// </summary>
public static class TestImageContext
{
    public const string Qemu = "/usr/bin/qemu-aarch64-static";
    public const string Arm64SysRoot = "/usr/aarch64-linux-gnu";

    /// <summary>What the arm64 leg needs from the host, or null when all of it is there.</summary>
    public static string? MissingForArm64()
    {
        if (!File.Exists(Qemu)) return $"{Qemu} is missing (apt-get install qemu-user-static)";
        foreach (var lib in Arm64Libraries)
        {
            if (!File.Exists(Path.Combine(Arm64SysRoot, "lib", lib))) return $"{Arm64SysRoot}/lib/{lib} is missing (apt-get install libc6-arm64-cross)";
        }
        return null;
    }

    private static readonly string[] Arm64Libraries = ["ld-linux-aarch64.so.1", "libc.so.6", "libm.so.6"];

    public static string Stage(string directory, LayerArchitecture architecture, string emulator, string layerZip, string bootstrap)
    {
        Directory.CreateDirectory(directory);
        File.Copy(Path.Combine(Pulse.Testing.TestEnvironment.RepoRoot, "tests", "docker", "Dockerfile"), Path.Combine(directory, "Dockerfile"), overwrite: true);
        CopyExecutable(emulator, Path.Combine(directory, "emulator", "lambda-emulator"));
        CopyExecutable(bootstrap, Path.Combine(directory, "task", "bootstrap"));

        var opt = Path.Combine(directory, "opt");
        var extra = Path.Combine(directory, "extra");
        Directory.CreateDirectory(opt);
        Directory.CreateDirectory(Path.Combine(extra, "etc"));
        File.WriteAllText(Path.Combine(extra, "etc", "pulse-test-image"), $"layer {Path.GetFileName(layerZip)}\n");

        if (architecture == LayerArchitecture.X86_64)
        {
            // Exactly what Lambda does with a layer: unzip it into /opt, keeping the modes stored in the zip.
            ZipFile.ExtractToDirectory(layerZip, opt);
            return directory;
        }

        // arm64 on an x86_64 host: the layer goes to /opt/arm64 unchanged, and /opt/extensions/pulse is a
        // wrapper that runs it under qemu-user (qemu reports the guest path as /proc/self/exe, so the
        // extension still sees itself as "pulse").
        ZipFile.ExtractToDirectory(layerZip, Path.Combine(opt, "arm64"));
        var wrapper = Path.Combine(opt, "extensions", "pulse");
        Directory.CreateDirectory(Path.GetDirectoryName(wrapper)!);
        File.WriteAllText(wrapper,
            "#!/bin/sh\n" +
            "# The arm64 Pulse layer (unzipped in /opt/arm64) under qemu-user: this test host is x86_64.\n" +
            $"exec {Qemu} -L {Arm64SysRoot} /opt/arm64/extensions/pulse \"$@\"\n");
        File.SetUnixFileMode(wrapper, Executable);
        CopyExecutable(Qemu, Path.Combine(extra, Qemu.TrimStart('/')));
        foreach (var lib in Arm64Libraries)
        {
            CopyExecutable(Path.Combine(Arm64SysRoot, "lib", lib), Path.Combine(extra, Arm64SysRoot.TrimStart('/'), "lib", lib));
        }
        return directory;
    }

    private const UnixFileMode Executable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>Copies the file a symlink points to (host libraries are symlinks), readable and executable by the sandbox user.</summary>
    private static void CopyExecutable(string source, string destination)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var resolved = new FileInfo(source).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? source;
        File.Copy(resolved, destination, overwrite: true);
        File.SetUnixFileMode(destination, Executable);
    }
}
