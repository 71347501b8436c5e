#!/usr/bin/python3
"""check_citations.py SRC_DIR: every citation in the repository resolves inside it.

A new user met explanations, FIDELITY.md, the tutorial, harness/README.md and
code citing sources S1-S13, notes (jcop-facts.md §8, gp211-reference.md §3.5,
vpcd-facts.md), DESIGN.md §N and shared/... paths that were not in the
repository (issue 18, item 7). This test reads every text file of the source
tree and fails on a citation that SOURCES.md (public sources and the notes'
sections) or DESIGN.md (its numbered sections) does not resolve. ../shared/applets
is test data that the tests look for and SKIP without, not a citation."""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import re
import sys

SRC = sys.argv[1]
NOTES = ("jcop-facts.md", "gp211-reference.md", "vpcd-facts.md", "jcop-algorithms.md",
         "STYLE-EXAMPLES.md", "javacard-api-tokens.txt")
TEXT = re.compile(r"(\.(c|h|md|py|sh|cmake|jcsh|gpsh|scriptor|apdu|txt|1|in|jca)$|^CMakeLists\.txt$)")
SKIP_DIRS = {".git", "build", "__pycache__"}


def files():
    for root, dirs, names in os.walk(SRC):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
        for n in names:
            if TEXT.search(n):
                yield os.path.join(root, n)


def main():
    try:
        sources = open(os.path.join(SRC, "SOURCES.md"), encoding="utf-8").read()
    except OSError:
        print("FAIL: SOURCES.md is missing: the sources S1-S13 and the notes cited are nowhere")
        return 1
    try:
        design = open(os.path.join(SRC, "DESIGN.md"), encoding="utf-8").read()
    except OSError:
        print("FAIL: DESIGN.md is missing: DESIGN.md §N citations resolve nowhere")
        return 1
    # S ids with a row that is not marked unused
    ids = {int(m.group(1)) for m in re.finditer(r"^\| S(\d+) \|(?! \(not used)", sources, re.M)}
    rows = {m.group(1).strip() for m in re.finditer(r"^\| ([^|]+?) \|", sources, re.M)}
    sections = {int(m.group(1)) for m in re.finditer(r"^## (\d+)\.", design, re.M)}
    bad = []
    n_cites = 0
    for path in files():
        rel = os.path.relpath(path, SRC)
        if rel == "SOURCES.md" or rel.startswith("tools/tests/check_citations"):
            continue
        try:
            text = open(path, encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            # S16(x) is a C macro call, not a citation
            for m in re.finditer(r"(?<![A-Za-z0-9_$])S(\d{1,2})(?![A-Za-z0-9_]|\s*\()", line):
                n_cites += 1
                if int(m.group(1)) not in ids:
                    bad.append("%s:%d: source S%s is not in SOURCES.md" % (rel, lineno, m.group(1)))
            for note in NOTES:
                for m in re.finditer(re.escape(note) + r"`?(?:,? ?(?:§ ?|section )(\d+(?:\.\d+)?))?", line):
                    n_cites += 1
                    key = note + (" §" + m.group(1).rstrip(".") if m.group(1) else "")
                    if key not in rows:
                        bad.append("%s:%d: %s is not resolved in SOURCES.md" % (rel, lineno, key))
            for m in re.finditer(r"DESIGN(?:\.md)?`? ?§ ?(\d+)(?:\.\d+)?|DESIGN\.md", line):
                n_cites += 1
                if m.group(1) and int(m.group(1)) not in sections:
                    bad.append("%s:%d: DESIGN.md has no §%s" % (rel, lineno, m.group(1)))
            # "$shared/..." is a script variable holding a path, not a citation
            for m in re.finditer(r"(?<![$A-Za-z0-9_{])shared/([A-Za-z0-9_./-]+)", line):
                if m.group(1).startswith("applets"):
                    continue
                n_cites += 1
                key = "shared/" + m.group(1).rstrip(".")
                if key not in rows:
                    bad.append("%s:%d: %s is outside the repository and not in SOURCES.md" %
                               (rel, lineno, key))
    for b in bad:
        print(b)
    print("%d citations checked, %d unresolved" % (n_cites, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
