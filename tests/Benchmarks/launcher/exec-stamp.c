/*
 * exec-stamp: the instant an extension is exec'd, on the clocks the harness compares with.
 *
 * The benchmark puts a copy of this launcher at <opt>/extensions/<name> and the real extension at
 * <opt>/.bench-targets/<name> (outside extensions/, so the sandbox does not start it twice). When
 * the sandbox starts the launcher, it appends one line to <opt>/.bench-targets/<name>.exec
 *     <pid> <CLOCK_MONOTONIC ns> <CLOCK_REALTIME ns>
 * and execs the real extension in the same process (same pid, same argv), so "exec -> /register"
 * is measured from just before the extension's own execve. If <opt>/.bench-targets/<name>.env
 * exists, each KEY=VALUE line of it is added to the environment first: that is how the harness
 * sets PULSE_* for one variant whatever environment the sandbox hands to extensions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long nanoseconds(clockid_t clock)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

int main(int argc, char **argv)
{
    (void)argc;
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) { perror("exec-stamp: readlink /proc/self/exe"); return 127; }
    self[length] = '\0';

    char *slash = strrchr(self, '/');
    if (slash == NULL || slash == self) { fprintf(stderr, "exec-stamp: odd path %s\n", self); return 127; }
    *slash = '\0';
    const char *name = slash + 1;
    char *parent = strrchr(self, '/');          /* self = <opt>/extensions -> cut to <opt> */
    if (parent == NULL) { fprintf(stderr, "exec-stamp: no parent folder for %s\n", self); return 127; }
    *parent = '\0';

    char target[PATH_MAX + 32], stamps[PATH_MAX + 32];
    if (snprintf(target, sizeof target, "%s/.bench-targets/%s", self, name) >= (int)sizeof target ||
        snprintf(stamps, sizeof stamps, "%s/.bench-targets/%s.exec", self, name) >= (int)sizeof stamps) {
        fprintf(stderr, "exec-stamp: path too long under %s\n", self);
        return 127;
    }

    char settings[PATH_MAX + 32];
    if (snprintf(settings, sizeof settings, "%s/.bench-targets/%s.env", self, name) < (int)sizeof settings) {
        FILE *env = fopen(settings, "re");
        if (env != NULL) {
            char line[8192];
            while (fgets(line, sizeof line, env) != NULL) {
                line[strcspn(line, "\r\n")] = '\0';
                char *equals = strchr(line, '=');
                if (line[0] == '#' || equals == NULL || equals == line) continue;
                *equals = '\0';
                setenv(line, equals + 1, 1);
            }
            fclose(env);
        }
    }

    long long monotonic = nanoseconds(CLOCK_MONOTONIC);
    long long realtime = nanoseconds(CLOCK_REALTIME);
    int fd = open(stamps, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        char line[96];
        int n = snprintf(line, sizeof line, "%d %lld %lld\n", (int)getpid(), monotonic, realtime);
        if (write(fd, line, (size_t)n) != n) perror("exec-stamp: write");
        close(fd);
    } else {
        perror("exec-stamp: open stamp file");   /* still run the extension: never break the sandbox */
    }

    execv(target, argv);
    fprintf(stderr, "exec-stamp: cannot exec %s: %s\n", target, strerror(errno));
    return 127;
}
