namespace Pulse.Invocations;

/// <summary>A price pair in USD: per GB-second of billed duration and per request.</summary>
public readonly record struct LambdaPrice(double PerGbSecond, double PerRequest);
