using System.Diagnostics;
using System.IO.Compression;
using Pulse.Testing;

namespace Pulse.Layer.Tests;

/// <summary>The layer zips as Lambda will unzip them into /opt.</summary>
public sealed class LayerZipTests
{
    public static TheoryData<string, ushort> Architectures => new()
    {
        { "x86_64", 62 },   // EM_X86_64
        { "arm64", 183 },   // EM_AARCH64
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Zip_holds_only_the_extension_executable(string arch, ushort _)
    {
        using var zip = ZipFile.OpenRead(TestEnvironment.RequireArtifact($"pulse-{arch}.zip", "layer"));
        var files = zip.Entries.Where(e => !e.FullName.EndsWith('/')).Select(e => e.FullName).ToList();
        Assert.Equal(["extensions/pulse"], files);
        Assert.All(zip.Entries.Where(e => e.FullName.EndsWith('/')), d => Assert.Equal("extensions/", d.FullName));
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Extension_is_executable_with_mode_0755(string arch, ushort _)
    {
        using var zip = ZipFile.OpenRead(TestEnvironment.RequireArtifact($"pulse-{arch}.zip", "layer"));
        var entry = zip.GetEntry("extensions/pulse")!;
        var unixMode = (entry.ExternalAttributes >> 16) & 0xFFFF;
        Assert.Equal(0x8000, unixMode & 0xF000);          // a regular file
        Assert.Equal(Convert.ToInt32("755", 8), unixMode & 0x1FF);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Binary_has_the_right_elf_machine_and_fits_the_ceilings(string arch, ushort machine)
    {
        var zipPath = TestEnvironment.RequireArtifact($"pulse-{arch}.zip", "layer");
        using var zip = ZipFile.OpenRead(zipPath);
        var entry = zip.GetEntry("extensions/pulse")!;
        using var stream = entry.Open();
        var header = new byte[20];
        stream.ReadExactly(header);
        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], header[..4]);
        Assert.Equal(2, header[4]);                          // ELFCLASS64
        Assert.Equal(machine, BitConverter.ToUInt16(header, 18));
        Assert.InRange(entry.Length, 100_000, 8_000_000);
        Assert.InRange(new FileInfo(zipPath).Length, 50_000, 3_500_000);
    }

    [Fact]
    public void X86_64_binary_prints_its_version()
    {
        var binary = ExtractBinary("x86_64");
        var (exit, stdout, stderr) = Run(binary, "--version");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Matches(@"^pulse \d+\.\d+\.\d+", stdout.Trim());
    }

    [Fact]
    public void Arm64_binary_prints_its_version_under_qemu()
    {
        const string qemu = "/usr/bin/qemu-aarch64-static";
        TestEnvironment.RequireOrSkip(File.Exists(qemu), $"{qemu} is missing (apt-get install qemu-user-static)");
        TestEnvironment.RequireOrSkip(File.Exists("/usr/aarch64-linux-gnu/lib/libc.so.6"),
            "the arm64 glibc is missing (apt-get install libc6-arm64-cross)");
        var binary = ExtractBinary("arm64");
        var (exit, stdout, stderr) = Run(qemu, binary, "--version", ("QEMU_LD_PREFIX", "/usr/aarch64-linux-gnu"));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Matches(@"^pulse \d+\.\d+\.\d+", stdout.Trim());
    }

    private static string ExtractBinary(string arch)
    {
        using var zip = ZipFile.OpenRead(TestEnvironment.RequireArtifact($"pulse-{arch}.zip", "layer"));
        var dir = Directory.CreateTempSubdirectory("pulse-layer-");
        zip.ExtractToDirectory(dir.FullName);
        var binary = Path.Combine(dir.FullName, "extensions", "pulse");
        // The zip's mode must survive extraction the way Lambda extracts it.
        Assert.True(File.GetUnixFileMode(binary).HasFlag(UnixFileMode.UserExecute), "extracted binary is not executable");
        return binary;
    }

    private static (int Exit, string Stdout, string Stderr) Run(string file, params object[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            if (a is string s) psi.ArgumentList.Add(s);
            else if (a is ValueTuple<string, string> env) psi.Environment[env.Item1] = env.Item2;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); Assert.Fail($"{file} did not exit within 60 s"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
