using Pulse.Config;
using Pulse.Flushing;

namespace Pulse.Sinks.Tests;

/// <summary>PULSE_SINKS builds the network sinks behind their buffered delivery, and reports what it cannot build.</summary>
public sealed class SinkFactoryTests
{
    private static (IReadOnlyList<ISinkDelivery> Deliveries, string Log) Build(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        var output = new StringWriter();
        var log = new PulseLog(output, LogLevel.Info);
        var environment = new EnvironmentReader(name => map.GetValueOrDefault(name), log);
        var context = new SinkContext(PulseSettings.Read(environment), environment, log, Stream.Null);
        return (SinkFactory.CreateAll(context), output.ToString());
    }

    [Fact]
    public void Otlp_and_datadog_are_network_deliveries_next_to_emf()
    {
        var (deliveries, log) = Build(("PULSE_SINKS", "emf,otlp,datadog"), ("DD_API_KEY", "k"), ("PULSE_BUFFER_MAX_POINTS", "500"));

        Assert.Equal(["emf", "otlp", "datadog"], deliveries.Select(d => d.SinkName));
        Assert.IsType<NetworkDelivery>(deliveries[1]);
        Assert.IsType<NetworkDelivery>(deliveries[2]);
        Assert.Equal(500, ((NetworkDelivery)deliveries[1]).Options.MaxBufferedPoints);
        Assert.Equal("", log);
    }

    [Fact]
    public void Datadog_without_a_key_is_disabled_with_one_line_and_the_others_keep_working()
    {
        var (deliveries, log) = Build(("PULSE_SINKS", "otlp,datadog"));

        Assert.Equal(["otlp"], deliveries.Select(d => d.SinkName));
        var line = Assert.Single(log.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("datadog", line);
        Assert.Contains("DD_API_KEY", line);
    }
}
