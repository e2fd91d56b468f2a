using System.Net;
using System.Net.Sockets;

namespace Pulse.Testing;

/// <summary>Paths and conditions every test project shares.</summary>
public static class TestEnvironment
{
    /// <summary>The repository root: the folder holding LambdaExtension.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Dist => Path.Combine(RepoRoot, "dist");

    /// <summary>True under CI (CI=true): tests that could Skip elsewhere must run and fail instead.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A test that needs something the machine may lack (Docker, qemu, a built artifact) calls this:
    /// on a laptop it reports Skipped with the reason; under CI the missing piece is a failure.
    /// </summary>
    public static void RequireOrSkip(bool available, string reason)
    {
        if (available) return;
        if (IsCi) Assert.Fail($"required under CI=true: {reason}");
        Assert.Skip(reason);
    }

    /// <summary>A built artifact in dist/, or Skip (Fail under CI) naming the make target that builds it.</summary>
    public static string RequireArtifact(string relativePath, string makeTarget)
    {
        var path = Path.Combine(Dist, relativePath);
        RequireOrSkip(File.Exists(path), $"{path} is missing: run 'make {makeTarget}' first");
        return path;
    }

    /// <summary>A TCP port on 127.0.0.1 that is free right now.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A UDP port on 127.0.0.1 that is free right now.</summary>
    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LambdaExtension.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"LambdaExtension.sln not found above {AppContext.BaseDirectory}");
    }
}
