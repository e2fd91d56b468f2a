namespace Pulse.Sources;

/// <summary>
/// One parsed DogStatsD line: name, one or more values (protocol 1.1 packs several as <c>a:1:2:3|d</c>),
/// type, sample rate and tags (<c>key:value</c> or bare <c>key</c>), in the order they were written.
/// </summary>
public sealed record StatsdSample(string Name, double[] Values, StatsdMetricType Type, double SampleRate, IReadOnlyList<KeyValuePair<string, string>> Tags);
