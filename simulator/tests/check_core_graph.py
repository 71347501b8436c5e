#!/usr/bin/python3
"""check_core_graph.py: the modules of simulator/core form no circle.

A module is a file stem: jc_x.c with its header jc_x.h (a header without a .c
is a module of its own). Two graphs are checked:
  include graph  module A -> B when a file of A includes "B.h";
  link graph     module A -> B when A's object uses a function or object that
                 B's object defines (nm on the jccore archive), which also sees
                 a header declaring what another module implements.
Either graph with a cycle fails, naming the modules of every cycle.

usage: check_core_graph.py CORE_DIR [ARCHIVE]    (exit 0 ok, 1 cycle, 2 usage)
       check_core_graph.py --self-test          (the checker finds a planted cycle)
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log

import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"/]+)\.h"')


def include_graph(core):
    files = [f for f in os.listdir(core) if f.endswith(('.c', '.h'))]
    stems = {os.path.splitext(f)[0] for f in files}
    g = {s: set() for s in stems}
    for f in files:
        a = os.path.splitext(f)[0]
        with open(os.path.join(core, f), encoding='utf-8', errors='replace') as fh:
            for line in fh:
                m = INCLUDE.match(line)
                if m and m.group(1) in stems and m.group(1) != a:
                    g[a].add(m.group(1))
    return g


def link_graph(archive):
    out = subprocess.run(['nm', '-A', archive], capture_output=True, text=True, check=True).stdout
    defs, uses = {}, {}
    for line in out.splitlines():
        # archive:member.c.o: [addr] T name
        parts = line.split(':')
        if len(parts) < 3:
            continue
        member = os.path.basename(parts[-2])
        mod = member.split('.')[0]
        fields = parts[-1].split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1]
        uses.setdefault(mod, set())
        if kind == 'U':
            uses[mod].add(name)
        elif kind in 'TDRB':
            defs[name] = mod
    g = {m: set() for m in uses}
    for m, names in uses.items():
        for n in names:
            d = defs.get(n)
            if d and d != m:
                g[m].add(d)
    return g


def cycles(g):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def report(name, g):
    cs = cycles(g)
    for c in cs:
        edges = ', '.join(f'{a} -> {b}' for a in c for b in sorted(g[a]) if b in c)
        print(f'{name}: cycle among {" ".join(c)} ({edges})')
    return not cs


def self_test():
    ok = cycles({'a': {'b'}, 'b': {'c'}, 'c': set()}) == []
    ok &= cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]
    # a planted upward include in a copy of a tiny tree
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for name, text in {'jc_low.h': '', 'jc_low.c': '#include "jc_low.h"\n',
                           'jc_top.h': '#include "jc_low.h"\n',
                           'jc_top.c': '#include "jc_top.h"\n'}.items():
            with open(os.path.join(d, name), 'w') as fh:
                fh.write(text)
        ok &= cycles(include_graph(d)) == []
        with open(os.path.join(d, 'jc_low.c'), 'a') as fh:
            fh.write('#include "jc_top.h"\n')
        ok &= cycles(include_graph(d)) == [['jc_low', 'jc_top']]
    print('self-test', 'passed' if ok else 'FAILED')
    return 0 if ok else 1


def main(argv):
    if len(argv) == 2 and argv[1] == '--self-test':
        return self_test()
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    ok = report('include graph', include_graph(argv[1]))
    if len(argv) == 3:
        ok &= report('link graph', link_graph(argv[2]))
    if ok:
        print('simulator/core: no cycle among its modules')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
