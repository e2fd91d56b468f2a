namespace Pulse.Sinks.Otlp;

/// <summary>OTLP/HTTP payload encodings (PULSE_OTLP_PROTOCOL), named as in the OTel exporter specification.</summary>
public enum OtlpProtocol
{
    /// <summary>http/protobuf: binary ExportMetricsServiceRequest (the OTLP default).</summary>
    HttpProtobuf,
    /// <summary>http/json: the same message in OTLP's JSON mapping.</summary>
    HttpJson,
}
