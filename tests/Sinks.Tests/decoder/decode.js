#!/usr/bin/env node
// Independent decoder for Pulse's sink payloads: it knows nothing of Pulse's encoders. OTLP is decoded with
// the OpenTelemetry project's generated protobuf definitions (@opentelemetry/otlp-transformer), Datadog payloads
// are checked against the public API client's models (@datadog/datadog-api-client).
//
//   node decode.js <otlp-protobuf|otlp-json|datadog> <payload file> [content-encoding: gzip|deflate|identity]
//
// Prints the decoded message as JSON on stdout and exits 0, or prints every problem on stderr and exits 1.
"use strict";
const fs = require("fs");
const zlib = require("zlib");

const [format, file, encoding = "identity"] = process.argv.slice(2);
if (!format || !file) {
  console.error("usage: node decode.js <otlp-protobuf|otlp-json|datadog> <file> [gzip|deflate|identity]");
  process.exit(2);
}

function fail(problems) {
  for (const p of problems) console.error(p);
  process.exit(1);
}

let bytes = fs.readFileSync(file);
try {
  if (encoding === "gzip") bytes = zlib.gunzipSync(bytes);
  else if (encoding === "deflate") bytes = zlib.inflateSync(bytes); // HTTP "deflate" is the zlib format (RFC 1950)
  else if (encoding !== "identity") fail([`unknown content encoding ${encoding}`]);
} catch (e) {
  fail([`body is not valid ${encoding}: ${e.message}`]);
}

// Lists every path where `actual` differs from `expected` (used to find fields a decoder silently dropped).
function differences(expected, actual, path, out) {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) { out.push(`${path}: array length or type differs`); return out; }
    expected.forEach((e, i) => differences(e, actual[i], `${path}[${i}]`, out));
  } else if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object") { out.push(`${path}: object expected`); return out; }
    for (const key of Object.keys(expected)) {
      if (!(key in actual)) out.push(`${path}.${key}: not a field of the OTLP message (dropped by the decoder)`);
      else differences(expected[key], actual[key], `${path}.${key}`, out);
    }
  } else if (String(expected) !== String(actual)) {
    out.push(`${path}: ${JSON.stringify(expected)} became ${JSON.stringify(actual)}`);
  }
  return out;
}

function decodeOtlp(isJson) {
  const root = require("@opentelemetry/otlp-transformer/build/src/generated/root");
  const Request = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
  const toObjectOptions = { longs: String, enums: Number, bytes: String, defaults: false, arrays: false, objects: false, oneofs: false };
  let message;
  const problems = [];
  if (isJson) {
    let input;
    try { input = JSON.parse(bytes.toString("utf8")); } catch (e) { fail([`not JSON: ${e.message}`]); }
    message = Request.fromObject(input);
    // fromObject ignores unknown keys: a round trip shows any key that is not a field of the message.
    differences(input, Request.toObject(message, toObjectOptions), "$", problems);
  } else {
    try { message = Request.decode(bytes); } catch (e) { fail([`not an ExportMetricsServiceRequest: ${e.message}`]); }
    // decode() skips unknown fields: re-encoding must give back as many bytes, or a field number was wrong.
    const reencoded = Request.encode(message).finish().length;
    if (reencoded !== bytes.length) problems.push(`re-encoded length ${reencoded} != payload length ${bytes.length} (unknown or duplicate fields)`);
  }
  const invalid = Request.verify(message);
  if (invalid) problems.push(`verify: ${invalid}`);
  if (problems.length) fail(problems);
  return Request.toObject(message, { longs: String, enums: String, defaults: false, arrays: true });
}

function decodeDatadog() {
  const { ObjectSerializer } = require("@datadog/datadog-api-client/dist/packages/datadog-api-client-v1/models/ObjectSerializer");
  let input;
  try { input = JSON.parse(bytes.toString("utf8")); } catch (e) { fail([`not JSON: ${e.message}`]); }
  let payload;
  try { payload = ObjectSerializer.deserialize(input, "DistributionPointsPayload", ""); } catch (e) { fail([`DistributionPointsPayload: ${e.message}`]); }
  const problems = [];
  const walk = (value, path) => {
    if (value === null || typeof value !== "object") return;
    if (value._unparsed) problems.push(`${path}: value not allowed by the model (${JSON.stringify(value._data ?? value)})`);
    if (value.additionalProperties) problems.push(`${path}: properties unknown to the model: ${Object.keys(value.additionalProperties)}`);
    for (const [k, v] of Object.entries(value)) if (k !== "_data") walk(v, `${path}.${k}`);
  };
  walk(payload, "$");
  (payload.series || []).forEach((s, i) => {
    if (s.type !== undefined && s.type !== "distribution") problems.push(`series[${i}].type: ${s.type}`);
    if (!Array.isArray(s.points) || s.points.length === 0) problems.push(`series[${i}].points: empty`);
    (s.points || []).forEach((p, j) => {
      const at = `series[${i}].points[${j}]`;
      if (!Array.isArray(p) || p.length !== 2) { problems.push(`${at}: not a [timestamp, values] pair`); return; }
      if (!Number.isInteger(p[0]) || p[0] <= 0) problems.push(`${at}[0]: timestamp ${p[0]} is not whole unix seconds`);
      if (!Array.isArray(p[1]) || p[1].length === 0 || !p[1].every(Number.isFinite)) problems.push(`${at}[1]: values must be a non-empty list of numbers`);
    });
    (s.tags || []).forEach((t, j) => { if (typeof t !== "string" || t.length === 0) problems.push(`series[${i}].tags[${j}]: ${t}`); });
  });
  if (problems.length) fail(problems);
  return ObjectSerializer.serialize(payload, "DistributionPointsPayload", "");
}

const decoded = format === "otlp-protobuf" ? decodeOtlp(false)
  : format === "otlp-json" ? decodeOtlp(true)
  : format === "datadog" ? decodeDatadog()
  : fail([`unknown format ${format}`]);
process.stdout.write(JSON.stringify(decoded));
