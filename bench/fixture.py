#!/usr/bin/env python3
"""Writes a `git fast-import` stream for one benchmark case to stdout.

Used only by bench/run.sh to build fixtures; pushguard itself never runs Python.

The stream creates, in an empty repository:
  refs/heads/base     the history the remote already holds: one commit with the whole
                      tree, then BASE_HISTORY small commits (so the range walk has a real
                      boundary to stop at, as in a repository with history);
  refs/heads/<ref>    base plus the commits to push (`main` for an update of an existing
                      branch, `feature` for a new branch, whose main stays at base).

Everything is deterministic (a seeded PRNG, fixed timestamps): the same case always gives
the same object ids, so a cached fixture and a fresh one measure the same thing.

Pushed commits only modify or add ordinary source files: never the Dockerfile, never an
empty commit, no message words that pushguard's rules look for. A push that pushguard
blocks would stop git before its own work and make the hook look faster than it is.
"""

import math
import random
import sys

# name: (tree files, pushed commits, (min, max) files per pushed commit, pushed ref)
CASES = {
    "a": (500, 1, (3, 3), "main"),
    "b": (500, 200, (1, 5), "main"),
    "c": (20_000, 3_000, (1, 5), "feature"),
    "d": (100_000, 1, (3, 3), "main"),
}
BASE_HISTORY = 100
FILES_PER_DIR = 25
EXTENSIONS = [".py"] * 7 + [".md", ".json", ".txt"]
ROOT_FILES = {
    "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"main.py\"]\n",
    "requirements.txt": "flask==3.0.0\ngunicorn==22.0.0\n",
    ".dockerignore": ".git\n__pycache__\n",
    "main.py": "print('hello')\n",
    "README.md": "# app\n",
}
T0 = 1_700_000_000
AUTHOR = b"Bench <bench@example.invalid>"


def tree_paths(n):
    """`n` file paths: a few root files, the rest three directory levels deep with about
    FILES_PER_DIR files per leaf directory, like a sizeable monorepo."""
    rest = n - len(ROOT_FILES)
    fan = max(2, math.ceil((rest / FILES_PER_DIR) ** (1 / 3)))
    leaves = fan**3
    paths = []
    for i in range(rest):
        leaf, idx = i % leaves, i // leaves
        a, b, c = leaf // (fan * fan), (leaf // fan) % fan, leaf % fan
        ext = EXTENSIONS[i % len(EXTENSIONS)]
        paths.append(f"pkg{a:02d}/mod{b:02d}/sub{c:02d}/file{idx:03d}{ext}")
    return paths


class Stream:
    def __init__(self, out):
        self.out = out
        self.mark = 0
        self.tick = 0

    def w(self, data):
        self.out.write(data if isinstance(data, bytes) else data.encode())

    def data(self, payload):
        payload = payload.encode()
        self.w(b"data %d\n" % len(payload))
        self.w(payload)
        self.w(b"\n")

    def commit(self, ref, message, files, parent=None):
        """Writes one commit of `files` ({path: content}) on top of mark `parent`."""
        self.mark += 1
        self.tick += 60
        when = b"%d +0000" % (T0 + self.tick)
        self.w(f"commit {ref}\nmark :{self.mark}\n")
        self.w(b"author " + AUTHOR + b" " + when + b"\n")
        self.w(b"committer " + AUTHOR + b" " + when + b"\n")
        self.data(message)
        if parent is not None:
            self.w(f"from :{parent}\n")
        for path, content in files.items():
            self.w(f"M 100644 inline {path}\n")
            self.data(content)
        self.w("\n")
        return self.mark


def content(path, version):
    if path == "requirements.txt":
        return f"flask==3.0.{version}\ngunicorn==22.0.0\n"
    return f"# {path}\nVERSION = {version}\n\ndef f():\n    return {version}\n"


def small_commits(stream, rng, ref, parent, paths, count, sizes, label, version):
    """`count` commits each modifying `sizes` files picked from `paths` (and, when the size
    varies, about one in ten also adding a new file), every change a new content so no
    commit is empty."""
    for i in range(count):
        k = rng.randint(*sizes)
        files = {}
        for path in rng.sample(paths, k):
            version += 1
            files[path] = content(path, version)
        if sizes[0] != sizes[1] and rng.random() < 0.1:
            new = f"pkg00/new/{label}{i:05d}.py"
            paths.append(new)
            files[new] = content(new, 0)
        parent = stream.commit(ref, f"{label}: change {i + 1}\n", files, parent)
    return parent, version


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(CASES)}}}")
    n_files, n_push, sizes, ref = CASES[sys.argv[1]]
    rng = random.Random(f"pushguard-bench-{sys.argv[1]}")
    out = Stream(sys.stdout.buffer)
    out.w("feature done\n")
    paths = tree_paths(n_files)
    files = dict(ROOT_FILES)
    files.update((p, content(p, 0)) for p in paths)
    tip = out.commit("refs/heads/base", "initial import\n", files)
    # Root files other than the Dockerfile may change; the Dockerfile never does (see top).
    editable = paths + ["requirements.txt", "main.py", "README.md"]
    tip, version = small_commits(
        out, rng, "refs/heads/base", tip, editable, BASE_HISTORY, (1, 5), "history", 0
    )
    small_commits(out, rng, f"refs/heads/{ref}", tip, editable, n_push, sizes, "work", version)
    if ref != "main":
        out.w(f"reset refs/heads/main\nfrom :{tip}\n\n")
    out.w("done\n")


if __name__ == "__main__":
    main()
