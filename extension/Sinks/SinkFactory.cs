using Pulse.Flushing;
using Pulse.Sinks.Datadog;
using Pulse.Sinks.Emf;
using Pulse.Sinks.Otlp;

namespace Pulse.Sinks;

/// <summary>
/// Builds one delivery per name in PULSE_SINKS. To add a sink: add its name to <see cref="KnownSinks"/>
/// and a case to <see cref="Create"/> that wraps it in its delivery (network sinks in a buffered one).
/// Built after the first /next, off the start-up path.
/// </summary>
public static class SinkFactory
{
    public static IReadOnlyList<string> KnownSinks { get; } = ["emf", "otlp", "datadog"];

    /// <summary>The delivery for one sink name, or null when the name is unknown.</summary>
    public static ISinkDelivery? Create(string name, SinkContext context) => name switch
    {
        "emf" => new DirectSinkDelivery(
            new EmfSink(context.StandardOutput, context.Settings.EmfNamespace, context.Settings.EmfDimensions, context.Log),
            context.Settings.BufferMaxPoints, context.Log),
        "otlp" => Network(new OtlpSink(OtlpSettings.FromEnvironment(context.Environment.Raw, context.Log.Warn), context.Log.Warn), context),
        "datadog" => Network(new DatadogSink(
            DatadogSettings.FromEnvironment(context.Environment.Raw, context.Log.Warn, out var disabled) ?? throw new InvalidOperationException(disabled),
            context.Log.Warn), context),
        _ => null,
    };

    /// <summary>A network sink behind the buffered, retrying, deadline-bounded delivery (extension/Sinks/README.md).</summary>
    private static NetworkDelivery Network(IMetricSink sink, SinkContext context) => new(sink,
        NetworkDeliveryOptions.FromEnvironment(context.Environment.Raw, context.Log.Warn, context.Settings.BufferMaxPoints), context.Log.Warn);

    /// <summary>Every configured delivery; unknown names yield one clear line; with none left, EMF alone.</summary>
    public static IReadOnlyList<ISinkDelivery> CreateAll(SinkContext context)
    {
        var deliveries = new List<ISinkDelivery>();
        foreach (var name in context.Settings.Sinks)
        {
            ISinkDelivery? delivery;
            try
            {
                delivery = Create(name, context);
            }
            catch (Exception e)
            {
                context.Log.Error($"sink {name} could not be built ({e.GetType().Name}: {e.Message}); it is disabled");
                continue;
            }
            if (delivery is null)
            {
                context.Environment.Invalid("PULSE_SINKS", string.Join(",", context.Settings.Sinks),
                    $"a list of {string.Join(", ", KnownSinks)}", $"the other sinks ('{name}' is ignored)");
                continue;
            }
            deliveries.Add(delivery);
        }
        if (deliveries.Count == 0)
        {
            context.Log.Warn("PULSE_SINKS names no usable sink; using emf");
            deliveries.Add(Create("emf", context)!);
        }
        return deliveries;
    }
}
