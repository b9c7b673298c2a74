"""Run one command and measure it from outside, as /usr/bin/time does.

    python -I -S bench/launch.py --stdout FILE --stderr FILE -- COMMAND ARGS...

Prints one JSON line: wall seconds, user and system CPU seconds, peak RSS in
MB and the exit code, all from os.wait4 on the child (rusage includes any
children it waited for, such as a process pool's workers).

Why a separate launcher: a child's ru_maxrss starts from the memory of the
process that spawned it (fork copies it; vfork and posix_spawn share it until
exec, and Linux keeps the high-water mark across exec). Spawned from the
benchmark itself, which holds thousands of loaded self-reports, every child
would report the benchmark's peak. This launcher is a bare interpreter
(-I -S, standard library only), so what a child inherits is a few MB, and the
benchmark measures and prints that floor (`launch /bin/true`).
"""

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    sep = argv.index("--")
    options, command = argv[:sep], argv[sep + 1:]
    stdout = options[options.index("--stdout") + 1] if "--stdout" in options else os.devnull
    stderr = options[options.index("--stderr") + 1] if "--stderr" in options else os.devnull
    actions = [(os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
               (os.POSIX_SPAWN_OPEN, 2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
    start = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    print(json.dumps({"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime,
                      "cpu": usage.ru_utime + usage.ru_stime,
                      "peak_rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
                      "returncode": os.waitstatus_to_exitcode(status)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
