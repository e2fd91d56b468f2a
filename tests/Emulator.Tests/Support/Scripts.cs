namespace Pulse.Emulator.Tests.Support;

/// <summary>Shell pieces the scripted runtimes and extensions share (sh + curl, as on any Lambda-like box).</summary>
public static class Scripts
{
    /// <summary>Sourced by every script: API bases and small helpers.</summary>
    public const string Library = """
        API="$AWS_LAMBDA_RUNTIME_API"
        RT="http://$API/2018-06-01"
        EXT="http://$API/2020-01-01/extension"
        hdr() { grep -i "^$1:" "$2" | head -n1 | tr -d '\r' | cut -d' ' -f2; }
        # register NAME BODY: prints "register NAME CODE", sets EXT_ID
        register() {
          _h=$(mktemp)
          _code=$(curl -sS -o "$_h.body" -w '%{http_code}' -D "$_h" -X POST "$EXT/register" -H "Lambda-Extension-Name: $1" -H "Lambda-Extension-Accept-Feature: accountId" -d "$2")
          EXT_ID=$(hdr lambda-extension-identifier "$_h")
          echo "register $1 $_code $(cat "$_h.body")"
        }
        # next_event: blocks on /next (interruptible by trapped signals), sets EVENT
        next_event() {
          _b=$(mktemp)
          curl -sS -o "$_b" -H "Lambda-Extension-Identifier: $EXT_ID" "$EXT/event/next" &
          wait $!
          EVENT=$(cat "$_b")
        }
        # subscribe API BODY: prints "subscribe CODE BODY"
        subscribe() {
          _s=$(mktemp)
          _code=$(curl -sS -o "$_s" -w '%{http_code}' -X PUT "http://$API/$1" -H "Lambda-Extension-Identifier: $EXT_ID" -d "$2")
          echo "subscribe $_code $(cat "$_s")"
        }
        """;

    /// <summary>
    /// A runtime whose behaviour the payload scripts: "crash" exits 3, "error" posts a function error, "sleep=S" sleeps,
    /// "headers" answers the /next headers, "big" answers 7 MB, "alloc=MB" makes a child hold MB, "hold=MB" makes the runtime itself hold MB,
    /// "oom" makes the runtime hold 400 MB, "logs=N" prints N lines;
    /// otherwise it echoes the payload.
    /// </summary>
    public const string Runtime = """
        echo "runtime started handler=$_HANDLER"
        trap 'echo "runtime got SIGTERM"; exit 0' TERM
        H=$(mktemp); B=$(mktemp)
        while true; do
          curl -sS -D "$H" -o "$B" "$RT/runtime/invocation/next" &
          wait $! || exit 1
          ID=$(hdr lambda-runtime-aws-request-id "$H")
          EV=$(cat "$B")
          case "$EV" in
            *crash*) echo "crashing"; exit 3;;
            *error*)
              curl -sS -o /dev/null -X POST "$RT/runtime/invocation/$ID/error" -H "Lambda-Runtime-Function-Error-Type: Function.MyError" \
                -d '{"errorMessage":"boom","errorType":"MyError"}'
              continue;;
            *sleep=*) sleep "$(echo "$EV" | sed 's/.*sleep=\([0-9.]*\).*/\1/')";;
            *headers*) cp "$H" "$B";;
            *big*) head -c 7000000 /dev/zero | tr '\0' 'a' > "$B";;
            *oom*) X=$(head -c 400000000 /dev/zero | tr '\0' 'a'); echo "survived ${#X}";;
            *hold=*)
              MB=$(echo "$EV" | sed 's/.*hold=\([0-9]*\).*/\1/')
              X=$(head -c "$((MB * 1048576))" /dev/zero | tr '\0' 'a'); echo "${#X}" > "$B";;
            *alloc=*)
              MB=$(echo "$EV" | sed 's/.*alloc=\([0-9]*\).*/\1/')
              head -c "$((MB * 1048576))" /dev/zero | tail -n 1 | wc -c > "$B";;
            *logs=*)
              N=$(echo "$EV" | sed 's/.*logs=\([0-9]*\).*/\1/')
              i=0; while [ $i -lt "$N" ]; do echo "log line $i with some padding to make it longer ................................................"; i=$((i+1)); done;;
          esac
          echo "handled $ID"
          curl -sS -o /dev/null -X POST "$RT/runtime/invocation/$ID/response" --data-binary @"$B"
        done
        """;

    /// <summary>An external extension: registers for EVENTS, optionally subscribes, prints each event, exits at SHUTDOWN.</summary>
    public static string Extension(string name, string events = "\"INVOKE\",\"SHUTDOWN\"", string? subscribe = null, string onInvoke = "", string onShutdown = "exit 0") => $$"""
        register {{name}} '{"events":[{{events}}]}'
        {{(subscribe is null ? "" : $"subscribe 2022-07-01/telemetry '{subscribe}'")}}
        while true; do
          next_event
          echo "{{name}} got $EVENT"
          case "$EVENT" in
            *SHUTDOWN*) {{onShutdown}};;
            *INVOKE*) {{onInvoke}};;
            "") sleep 0.05;;
          esac
        done
        """;
}
