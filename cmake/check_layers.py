#!/usr/bin/python3
"""check_layers.py: no arrow runs up between jcopsim's layers.

Layers, bottom up (a folder belongs to the first prefix that matches):
  0 core        simulator/core                 the pure card OS
  1 jcvm        simulator/jcvm                 the pure Java Card VM (when present)
  2 transports  simulator/store, simulator/vpcd, simulator/daemon, simulator/fuzz
  3 harness     harness
  4 tools       tools
A C file or header of a layer may include headers of its own layer and of
layers below it, never of a layer above (a "#include "x.h"" is resolved by
the header's name among the layered folders). Tests (simulator/tests,
simulator/reliability, */tests/, testcases/) may include anything: they are
not a layer.

usage: check_layers.py ROOT          exit 0 clean, 1 an upward include, 2 usage
       check_layers.py --self-test   plants upward includes and must see each
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log

import os
import re
import sys
import tempfile

LAYERS = [
    ('simulator/core', 0, 'core'),
    ('simulator/jcvm', 1, 'jcvm'),
    ('simulator/store', 2, 'transports'),
    ('simulator/vpcd', 2, 'transports'),
    ('simulator/daemon', 2, 'transports'),
    ('simulator/fuzz', 2, 'transports'),
    ('harness', 3, 'harness'),
    ('tools', 4, 'tools'),
]
EXEMPT = re.compile(r'(^|/)(tests|testcases|reliability)(/|$)')
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def layer_of(rel):
    if EXEMPT.search(rel):
        return None
    for prefix, rank, name in LAYERS:
        if rel == prefix or rel.startswith(prefix + '/'):
            return rank, name
    return None


def sources(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(('.', 'build'))]
        for f in filenames:
            if f.endswith(('.c', '.h')):
                full = os.path.join(dirpath, f)
                yield os.path.relpath(full, root).replace(os.sep, '/')


def check(root):
    files = list(sources(root))
    where = {}  # header name -> set of (rank, name, path)
    for rel in files:
        lay = layer_of(rel)
        if rel.endswith('.h') and lay:
            where.setdefault(os.path.basename(rel), set()).add((lay[0], lay[1], rel))
    errors = []
    for rel in files:
        lay = layer_of(rel)
        if not lay:
            continue
        with open(os.path.join(root, rel), encoding='utf-8', errors='replace') as fh:
            for n, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                hits = where.get(os.path.basename(m.group(1)), ())
                # a name found in the file's own layer or below is fine
                if not hits or min(h[0] for h in hits) <= lay[0]:
                    continue
                up = min(hits)
                errors.append(f'{rel}:{n}: {lay[1]} includes "{m.group(1)}" of {up[1]} ({up[2]})')
    return errors


def self_test():
    tree = {
        'simulator/core/jc_a.c': '#include "jc_a.h"\n',
        'simulator/core/jc_a.h': '',
        'simulator/jcvm/jv_b.h': '#include "jc_a.h"\n',
        'simulator/store/js_c.h': '#include "jv_b.h"\n',
        'harness/jh_d.h': '#include "js_c.h"\n',
        'tools/x/t_e.c': '#include "jh_d.h"\n',
        'simulator/tests/test_f.c': '#include "t_e.h"\n#include "jh_d.h"\n',
    }
    planted = [
        ('simulator/core/jc_a.c', '#include "jh_d.h"\n', 'core includes "jh_d.h" of harness'),
        ('simulator/core/jc_a.h', '#include "jv_b.h"\n', 'core includes "jv_b.h" of jcvm'),
        ('simulator/jcvm/jv_b.h', '#include "js_c.h"\n', 'jcvm includes "js_c.h" of transports'),
        ('harness/jh_d.h', '#include "t_e.h"\n', 'harness includes "t_e.h" of tools'),
    ]
    ok = True
    with tempfile.TemporaryDirectory() as d:
        def write(files):
            for rel, text in files.items():
                p = os.path.join(d, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, 'w') as fh:
                    fh.write(text)
        tree['tools/x/t_e.h'] = ''
        write(tree)
        clean = check(d)
        ok &= clean == []
        for rel, text, want in planted:
            write({rel: tree[rel] + text})
            errs = check(d)
            found = any(want in e for e in errs)
            print(f'self-test: upward include {rel} -> {want.split(" ")[2]}:',
                  'refused' if found else 'NOT SEEN')
            ok &= found and len(errs) == 1
            write({rel: tree[rel]})
    print('self-test', 'passed' if ok else 'FAILED')
    return 0 if ok else 1


def main(argv):
    if len(argv) == 2 and argv[1] == '--self-test':
        return self_test()
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print(__doc__, file=sys.stderr)
        return 2
    errors = check(argv[1])
    for e in errors:
        print(e)
    if errors:
        print(f'layer rule broken: {len(errors)} upward include(s)')
        return 1
    print('layer rule holds: core < jcvm < transports < harness < tools')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
