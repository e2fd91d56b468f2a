namespace Pulse.Benchmarks.Micro;

/// <summary>One benchmark method as it appears in the figure: what it measures, for which variant, how many events per operation.</summary>
public sealed record MicroCase(Type Type, string Method, string Measure, string Variant, int EventsPerOperation);
