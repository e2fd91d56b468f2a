using System.Diagnostics;

namespace Pulse.Emulator.Recording;

/// <summary>
/// CLOCK_MONOTONIC in milliseconds (Stopwatch on Linux reads that clock), so a timestamp in the record can be
/// compared with the same clock read by any other process on the machine (a runtime, an extension, a benchmark).
/// </summary>
public static class Monotonic
{
    public static double NowMs => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;

    public static double Round(double ms) => Math.Round(ms, 3, MidpointRounding.AwayFromZero);
}
