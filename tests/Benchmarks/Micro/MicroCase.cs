namespace Pulse.Benchmarks.Micro;

/// <summary>
/// One benchmark method as it appears in the figure: what it measures, for which variant, and how many
/// events (or points) one operation handles — read after the run, since a setup may decide it.
/// </summary>
public sealed record MicroCase(Type Type, string Method, string Measure, string Variant, Func<int> EventsPerOperation);
