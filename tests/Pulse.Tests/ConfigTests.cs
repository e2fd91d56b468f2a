using Pulse.Config;
using Pulse.Flushing;

namespace Pulse.Tests;

public sealed class ConfigTests
{
    private static (PulseSettings Settings, string Log) Read(Dictionary<string, string> env)
    {
        var log = new StringWriter();
        var reader = new EnvironmentReader(name => env.GetValueOrDefault(name), new PulseLog(log, LogLevel.Debug));
        return (PulseSettings.Read(reader), log.ToString());
    }

    [Fact]
    public void Defaults_without_any_variable()
    {
        var (s, log) = Read([]);
        Assert.Equal(FlushMode.Default, s.Flush.Mode);
        Assert.Equal(["emf"], s.Sinks);
        Assert.Equal("Pulse", s.EmfNamespace);
        Assert.Equal([["function_name"]], s.EmfDimensions.Select(d => d.ToArray()).ToArray());
        Assert.Equal(8125, s.DogStatsDPort);
        Assert.True(s.SelfMetrics);
        Assert.Equal(TimeSpan.FromMilliseconds(300), s.ShutdownReportWait);
        Assert.Equal("", log);
    }

    [Fact]
    public void Lambda_variables_fill_the_function_facts()
    {
        var (s, _) = Read(new()
        {
            ["AWS_LAMBDA_FUNCTION_NAME"] = "orders",
            ["AWS_REGION"] = "eu-west-1",
            ["AWS_LAMBDA_FUNCTION_VERSION"] = "7",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "512",
            ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start",
        });
        Assert.Equal(("orders", "eu-west-1", "7", 512, "snap-start"), (s.FunctionName, s.Region, s.FunctionVersion, s.MemorySizeMb, s.InitializationType));
    }

    [Theory]
    [InlineData("default", FlushMode.Default, 0)]
    [InlineData("end", FlushMode.End, 0)]
    [InlineData(" END ", FlushMode.End, 0)]
    [InlineData("periodic,1000", FlushMode.Periodic, 1000)]
    [InlineData("periodic, 250", FlushMode.Periodic, 250)]
    public void Flush_strategies_parse(string value, FlushMode mode, int intervalMs)
    {
        var (s, log) = Read(new() { ["PULSE_FLUSH"] = value, ["PULSE_FLUSH_END_BUDGET_MS"] = "150" });
        Assert.Equal(mode, s.Flush.Mode);
        Assert.Equal(TimeSpan.FromMilliseconds(intervalMs), s.Flush.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(150), s.Flush.EndBudget);
        Assert.Equal("", log);
    }

    [Theory]
    [InlineData("PULSE_FLUSH", "sometimes")]
    [InlineData("PULSE_FLUSH", "periodic,5")]
    [InlineData("PULSE_FLUSH", "periodic")]
    [InlineData("PULSE_FLUSH_END_BUDGET_MS", "-3")]
    [InlineData("PULSE_DOGSTATSD_PORT", "9001")]
    [InlineData("PULSE_DOGSTATSD_PORT", "port")]
    [InlineData("PULSE_SELF_METRICS", "maybe")]
    [InlineData("PULSE_EMF_DIMENSIONS", "function_name,colour")]
    [InlineData("PULSE_EMF_NAMESPACE", ":bad\u0001")]
    [InlineData("PULSE_TAGS", "team")]
    [InlineData("PULSE_TAGS", "region:x")]
    [InlineData("PULSE_LOG_LEVEL", "loud")]
    [InlineData("PULSE_BUFFER_MAX_POINTS", "5")]
    [InlineData("PULSE_PRICE_PER_GB_SECOND", "free")]
    public void A_bad_value_yields_one_line_naming_the_variable_the_value_and_the_default(string name, string value)
    {
        var (s, log) = Read(new() { [name] = value });
        var line = Assert.Single(log.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(name, line);
        Assert.Contains($"'{value}'", line);
        Assert.Contains("expected", line);
        Assert.Contains("using", line);
        var defaults = Read([]).Settings;
        Assert.Equal(defaults.Flush, s.Flush);
        Assert.Equal(defaults.DogStatsDPort, s.DogStatsDPort);
        Assert.Equal(defaults.EmfNamespace, s.EmfNamespace);
    }

    [Fact]
    public void Dimensions_tags_and_sinks_parse()
    {
        var (s, log) = Read(new()
        {
            ["PULSE_EMF_DIMENSIONS"] = "function_name; function_name,cold_start",
            ["PULSE_TAGS"] = "team:payments, env:prod",
            ["PULSE_SINKS"] = "EMF, otlp",
            ["PULSE_DOGSTATSD_PORT"] = "0",
        });
        Assert.Equal("", log);
        Assert.Equal(2, s.EmfDimensions.Count);
        Assert.Equal(["function_name", "cold_start"], s.EmfDimensions[1]);
        Assert.Equal([new("team", "payments"), new("env", "prod")], s.ExtraTags);
        Assert.Equal(["emf", "otlp"], s.Sinks);
        Assert.Equal(0, s.DogStatsDPort);
    }

    [Fact]
    public void Startup_settings_refuse_the_runtime_api_port()
    {
        var log = new StringWriter();
        var env = new Dictionary<string, string> { ["PULSE_TELEMETRY_PORT"] = "9001", ["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9009" };
        var s = StartupSettings.Read(new EnvironmentReader(n => env.GetValueOrDefault(n), new PulseLog(log)), "pulse");
        Assert.Equal(8999, s.TelemetryPort);
        Assert.Equal("127.0.0.1:9009", s.RuntimeApi);
        Assert.Contains("PULSE_TELEMETRY_PORT='9001'", log.ToString());
    }

    [Fact]
    public void Unknown_sink_names_yield_one_line_and_the_known_ones_are_built()
    {
        var log = new StringWriter();
        var pulseLog = new PulseLog(log);
        var env = new EnvironmentReader(_ => null, pulseLog);
        var settings = new PulseSettings { Sinks = ["emf", "carrier-pigeon"] };
        var deliveries = Pulse.Sinks.SinkFactory.CreateAll(new Pulse.Sinks.SinkContext(settings, env, pulseLog, Stream.Null));
        Assert.Equal(["emf"], deliveries.Select(d => d.SinkName));
        Assert.Contains("carrier-pigeon", Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        var none = Pulse.Sinks.SinkFactory.CreateAll(new Pulse.Sinks.SinkContext(settings with { Sinks = ["nope"] }, env, pulseLog, Stream.Null));
        Assert.Equal(["emf"], none.Select(d => d.SinkName));
    }
}
