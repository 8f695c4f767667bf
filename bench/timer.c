/* bench/timer.c: runs a command and appends one line to a file:
 *     <wall µs> <user CPU µs> <system CPU µs> <max RSS KiB>
 * Usage: timer FILE COMMAND [ARG...]; exits with the command's status.
 *
 * Why not bash's `time` or GNU time: they print CPU time in 10 ms or 1 ms steps, and the
 * small cases of bench/run.sh differ by a few ms. wait4() gives microseconds, and its
 * rusage covers the command and every descendant it waited for (for `git push`, the hook
 * and everything the hook ran); max RSS is the largest single process among them.
 * bench/run.sh compiles this with the C compiler that building pushguard's vendored
 * libgit2 needs anyway, and falls back to shell timing when there is none.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long us(struct timeval tv) { return (long long)tv.tv_sec * 1000000 + tv.tv_usec; }

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: timer FILE COMMAND [ARG...]\n");
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("timer: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("timer: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timer: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long wall = (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
	FILE *out = fopen(argv[1], "a");
	if (!out) {
		perror("timer: cannot open the output file");
		return 2;
	}
	fprintf(out, "%lld %lld %lld %ld\n", wall, us(ru.ru_utime), us(ru.ru_stime), ru.ru_maxrss);
	fclose(out);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
