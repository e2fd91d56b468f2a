namespace Pulse.Docker.Tests;

/// <summary>Which Pulse layer zip the test image carries (dist/pulse-x86_64.zip or dist/pulse-arm64.zip).</summary>
public enum LayerArchitecture
{
    X86_64,
    Arm64,
}
