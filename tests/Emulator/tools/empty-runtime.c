/* The emptiest possible custom runtime, for measuring the emulator's own overhead per invoke:
 * one kept-alive connection, GET /next, POST "{}" as the response, forever. No parsing beyond the request id.
 * Build: cc -O2 -o empty-runtime empty-runtime.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[1 << 20];

static int connect_api(const char *api) {
    char host[64]; int port;
    if (sscanf(api, "%63[^:]:%d", host, &port) != 2) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, host, &a.sin_addr);
    return connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? fd : -1;
}

/* HttpListener (like many servers) closes a kept-alive connection after a number of requests. */
static void reconnect_if_closed(int *fd, const char *api) {
    if (!strcasestr(buf, "\r\nconnection: close")) return;
    close(*fd);
    *fd = connect_api(api);
}

/* Reads one HTTP response (headers + Content-Length body) into buf; returns its length or -1. */
static int read_response(int fd) {
    int n = 0;
    for (;;) {
        int r = read(fd, buf + n, sizeof buf - 1 - n);
        if (r <= 0) return -1;
        n += r; buf[n] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (!end) continue;
        char *cl = strcasestr(buf, "\r\ncontent-length:");
        int body = cl && cl < end ? atoi(cl + 17) : 0;
        if (n >= (end - buf) + 4 + body) return n;
    }
}

int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    int fd = api ? connect_api(api) : -1;
    if (fd < 0) { perror("connect"); return 1; }
    char req[512], id[128];
    for (;;) {
        int len = snprintf(req, sizeof req, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", api);
        if (write(fd, req, len) != len || read_response(fd) < 0) { fprintf(stderr, "empty-runtime: /next failed: %s\n", buf); return 1; }
        reconnect_if_closed(&fd, api);
        char *h = strcasestr(buf, "\r\nlambda-runtime-aws-request-id:");
        if (!h || sscanf(h + 32, " %127[^\r\n]", id) != 1) { fprintf(stderr, "empty-runtime: no request id in: %s\n", buf); return 2; }
        len = snprintf(req, sizeof req, "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\nContent-Length: 2\r\n\r\n{}", id, api);
        if (write(fd, req, len) != len || read_response(fd) < 0) { fprintf(stderr, "empty-runtime: /response failed: %s\n", buf); return 1; }
        reconnect_if_closed(&fd, api);
        if (fd < 0) return 1;
    }
}
