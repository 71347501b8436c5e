#!/usr/bin/python3
"""jt_coverage.py: the conformance suite's coverage matrix (command x card state).

Place in the flow: `jt_cmdtable` (a small C program linked with the card core) prints the
card's own command table; this script reads that table and every conformance script, and
writes the matrix of which (command, state) cells the scripts assert, as text and HTML.
ctest runs it with --check, which fails while any cell lacks a case.

A script declares the cells it asserts with comment lines

    # covers: <COMMAND> @ <STATE>

placed before the steps that assert them. The claim is verified against what the script
actually sends: until the next `# covers:` line (or the end of the file) at least one
`/send` (or `/select`) step with an expectation, or a card-manager verb (`init-update`,
`ext-auth`, which judge their own answers), must carry the command's INS and a CLA the row
accepts (value under the row's CLA mask). A claim that
no step backs is an error, reported with file:line, and the cell does not count.

With --replay JCOP_REPLAY, the claims are also checked against the card's state: every script
with claims runs in-process (`jcop-replay -x`, whose explanation reports each state change of the
card and of the secure channel), and only steps that ran with the card in the claimed state back a
claim (SC00/SC01/SC03: OP_READY with a session open at that level; the card-state columns: no
session open): a claim none of whose steps ran in its state is an error.

Columns: the card states the core names (jc_card_state_name), then the secure-channel
columns SC00, SC01, SC03 (a fused OP_READY card with a session open at that level), then
INITIALIZED+SC01, SECURED+SC01, CARD_LOCKED+SC01 (a C-MAC session in those states).

Usage: jt_coverage.py --table TABLE.tsv [--text OUT.txt] [--html OUT.html] [--check]
                      [--replay JCOP_REPLAY --kt HEX] SCRIPT_DIR...
The report also counts the cases of each error class the suite must exercise (ERROR_CLASSES):
scripts tag them with "# class: NAME" lines; --check fails while a class has no case.

Exit: 0 ok; 1 a cell is uncovered, a claim is unbacked or an error class has no case (with
--check); 2 usage or parse error; 3 the table cannot be read.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import argparse
import html
import os
import re
import subprocess
import sys

SC_COLUMNS = ["SC00", "SC01", "SC03"]
# A C-MAC session in the other states that allow one (GP211 Table 9-1).
STATE_SC_COLUMNS = ["INITIALIZED+SC01", "SECURED+SC01", "CARD_LOCKED+SC01"]
# The error classes the suite must exercise (issue 6), each tagged in scripts by "# class: NAME"
# before its cases; a case is a /send with an expectation up to the next class or covers line.
ERROR_CLASSES = ["WRONG_CLA", "UNKNOWN_INS", "WRONG_P1P2", "LC_LE_MISMATCH", "EXTENDED_FORM",
                 "WRONG_TRANSPORT_KEY", "ADDRESS_WINDOW", "WRITE_AFTER_PROTECT",
                 "UNFUSED_ONLY_AFTER_FUSE", "WRONG_HOST_CRYPTOGRAM", "CMAC_FAILURE", "PUT_KEY_BAD_KCV",
                 "LOAD_OUT_OF_ORDER", "INSTALL_MISSING_PACKAGE", "SET_STATUS_FORBIDDEN"]
CLASS_RE = re.compile(r"^\s*#\s*class:\s*([A-Z0-9_]+)\s*$")
COVERS_RE = re.compile(r"^\s*#\s*covers:\s*([A-Za-z0-9_ \[\]/+-]+?)\s*@\s*([A-Za-z0-9_/+-]+)\s*$")
SEND_RE = re.compile(r"^\s*/(send|select)\s+(\S+)(?:\s+(\S.*))?$")
VAR_RE = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
SETVAR_RE = re.compile(r"^\s*/set-var\s+([A-Za-z0-9_]+)\s+(\S+)")
INCLUDE_RE = re.compile(r"^\s*/include\s+(\S+)")
# Card-manager verbs of the harness: each sends one command and judges its answer itself
# (init-update: 28 bytes + 9000 and a verified card cryptogram; ext-auth: 9000).
VERB_RE = re.compile(r"^\s*/?(init-update|ext-auth)\b")
VERB_APDU = {"init-update": ("80500000", "*9000"), "ext-auth": ("84820000", "9000")}


def norm(name):
    """Command names compare upper-case with runs of non-alphanumerics as one underscore."""
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def read_table(path):
    """The table printed by jt_cmdtable: '#' comments, 'state<TAB>NAME' lines, then one
    'cmd<TAB>NAME<TAB>CLA<TAB>CLA_MASK<TAB>INS<TAB>STATES' line per row (hex bytes,
    STATES a comma list of state names)."""
    states, rows = [], {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if parts[0] == "state" and len(parts) >= 2:
                states.append(parts[1])
            elif parts[0] == "cmd" and len(parts) >= 6:
                name = norm(parts[1])
                row = rows.setdefault(name, {"name": parts[1], "ins": set(), "cla": [],
                                             "allowed": set()})
                row["ins"].add(int(parts[4], 16))
                row["cla"].append((int(parts[2], 16), int(parts[3], 16)))
                row["allowed"].update(s for s in parts[5].split(",") if s)
    return states, rows


def expand(text, variables):
    return VAR_RE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def collect_vars(path, variables, seen):
    """Follow /include and /set-var (in order) so APDUs can be expanded statically."""
    real = os.path.realpath(path)
    if real in seen or not os.path.exists(path):
        return
    seen.add(real)
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = SETVAR_RE.match(line)
            if m:
                variables[m.group(1)] = expand(m.group(2), variables)
                continue
            m = INCLUDE_RE.match(line)
            if m:
                collect_vars(os.path.join(os.path.dirname(path), m.group(1)), variables, seen)


def scan_script(path):
    """Return (claims, errors). A claim: dict(file, line, cmd, state, steps=[(line, apdu, expect)])."""
    variables = {}
    collect_vars(path, variables, set())
    claims, errors, current, klass = [], [], None, None
    classes = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = CLASS_RE.match(line)
            if m:
                klass = m.group(1)
                classes.setdefault(klass, 0)
                continue
            if SEND_RE.match(line) and klass and SEND_RE.match(line).group(3):
                classes[klass] += 1
            m = COVERS_RE.match(line)
            if m:
                klass = None
                current = {"file": path, "line": lineno, "cmd": norm(m.group(1)),
                           "state": m.group(2).upper(), "steps": []}
                claims.append(current)
                continue
            if line.lstrip().startswith("# covers:"):
                errors.append(f"{path}:{lineno}: malformed covers line (want '# covers: CMD @ STATE')")
                continue
            m = VERB_RE.match(line)
            if m and current is not None:
                apdu, expect = VERB_APDU[m.group(1)]
                current["steps"].append((lineno, apdu, expect))
                continue
            m = SEND_RE.match(line)
            if m and current is not None:
                verb, apdu, expect = m.group(1), expand(m.group(2), variables), m.group(3)
                if verb == "select":
                    apdu = "00A40400%02X" % (len(apdu) // 2) + apdu
                current["steps"].append((lineno, apdu, expect))
    return claims, errors, classes


def step_matches(row, apdu):
    """A step backs a claim when it carries the row's INS and a CLA the row accepts
    (SCP02 wrapping by the harness only adds 04 to a CLA the script wrote plain)."""
    if not re.fullmatch(r"[0-9A-Fa-f]{8,}", apdu):
        return False
    cla, ins = int(apdu[0:2], 16), int(apdu[2:4], 16)
    if ins not in row["ins"]:
        return False
    return not row["cla"] or any((cla & m) == (v & m) or ((cla | 0x04) & m) == (v & m)
                                 for v, m in row["cla"])


STEP_LINE_RE = re.compile(r"^(\S+?):(\d+): (\S+)")
STATE_LINE_RE = re.compile(r"^\s*\|\s*card state: (\S+) -> (\S+?):?(\s|$)")
SC_OPEN_RE = re.compile(r"secure channel: open at level ([0-9A-Fa-f]{2})")
SC_GONE_RE = re.compile(r"secure channel: (closed|initiated)|secure channel closed|"
                        r"any secure channel are lost|secure channel start over")


def states_before(replay, kt, path):
    """Run path in-process with explanations; return {(realpath, line): set of states before}."""
    cmd = [replay, "-x", "--keep-going", "--kt", kt, path]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    seen, current, sc = {}, "OFF", None
    for line in out.splitlines():
        m = STATE_LINE_RE.match(line)
        if m:
            current = m.group(2)
            continue
        m = SC_OPEN_RE.search(line)
        if m and line.lstrip().startswith("|"):
            sc = m.group(1)
            continue
        if SC_GONE_RE.search(line) and line.lstrip().startswith(("|", "!")):
            sc = None
            continue
        m = STEP_LINE_RE.match(line)
        if m and not line.startswith(("=>", "<=", "#", "--", " ")):
            key = (os.path.realpath(m.group(1)), int(m.group(2)))
            seen.setdefault(key, set()).add(current if sc is None else f"{current}+SC{sc}")
    return seen, None


def build(states, rows, script_dirs, replay=None, kt=None):
    columns = states + SC_COLUMNS + STATE_SC_COLUMNS
    cells = {(r, c): [] for r in rows for c in columns}
    problems, nscripts = [], 0
    class_cases = {}
    for d in script_dirs:
        for root, _dirs, files in os.walk(d):
            for fn in sorted(files):
                if not fn.endswith(".jcsh") or os.path.basename(root) == "lib":
                    continue
                nscripts += 1
                path = os.path.join(root, fn)
                claims, errs, klasses = scan_script(path)
                for k, n in klasses.items():
                    ent = class_cases.setdefault(k, [0, []])
                    ent[0] += n
                    ent[1].append(os.path.relpath(path, d))
                problems.extend(errs)
                ran = None
                if replay and claims:
                    ran, err = states_before(replay, kt, path)
                    if ran is None:
                        problems.append(f"{path}: cannot run it to check states: {err}")
                for c in claims:
                    where = f"{c['file']}:{c['line']}"
                    if c["cmd"] not in rows:
                        problems.append(f"{where}: '{c['cmd']}' is not a row of the card's command table")
                        continue
                    if c["state"] not in columns:
                        problems.append(f"{where}: unknown state '{c['state']}' (known: {', '.join(columns)})")
                        continue
                    backed = [s for s in c["steps"] if s[2] and step_matches(rows[c["cmd"]], s[1])]
                    if not backed:
                        problems.append(f"{where}: no /send with an expectation carries "
                                        f"{c['cmd']}'s INS after this covers line")
                        continue
                    if ran is not None:
                        want = "OP_READY+" + c["state"] if c["state"] in SC_COLUMNS else c["state"]
                        real = os.path.realpath(c["file"])
                        in_state = [s for s in backed if want in ran.get((real, s[0]), set())]
                        if not in_state:
                            got = sorted(set().union(*(ran.get((real, s[0]), {"not run"}) for s in backed)))
                            problems.append(f"{where}: claims {c['state']} but its steps ran in "
                                            f"{', '.join(got)}")
                            continue
                        backed = in_state
                    cells[(c["cmd"], c["state"])].append((where, [s[2] for s in backed]))
    return columns, cells, problems, nscripts, class_cases


def sws(entries):
    out = []
    for _where, expects in entries:
        for e in expects:
            for alt in e.split("|"):
                alt = alt.strip()
                sw = alt[-4:] if len(alt) >= 4 else alt
                if sw not in out:
                    out.append(sw)
    return out


def write_text(path, columns, rows, cells, problems, nscripts, class_cases):
    covered = sum(1 for v in cells.values() if v)
    nsc = len(SC_COLUMNS) + len(STATE_SC_COLUMNS)
    lines = [f"Coverage matrix of the conformance suite: {len(rows)} commands x {len(columns)} columns "
             f"({len(columns) - nsc} card states, {nsc} with a secure channel open), "
             f"{covered}/{len(cells)} cells covered, {nscripts} scripts.",
             "A cell shows the status words the scripts assert there ('--' = no case).", ""]
    width = max(len(r) for r in rows) + 2
    colw = max(9, max(len(c) for c in columns) + 1)
    lines.append("".ljust(width) + "".join(c[:colw - 1].ljust(colw) for c in columns))
    for r in sorted(rows):
        line = r.ljust(width)
        for c in columns:
            v = cells[(r, c)]
            txt = ",".join(sws(v)) if v else "--"
            line += (txt[:colw - 2] + ("+" if len(txt) > colw - 2 else "")).ljust(colw)
        lines.append(line)
    lines.append("")
    missing = [(r, c) for (r, c), v in sorted(cells.items()) if not v]
    lines.append(f"Uncovered cells: {len(missing)}")
    lines.extend(f"  {r} @ {c}" for r, c in missing)
    lines.append("Error classes (cases = /send steps with an expectation after '# class: NAME'):")
    for k in ERROR_CLASSES + sorted(set(class_cases) - set(ERROR_CLASSES)):
        n, files = class_cases.get(k, [0, []])
        lines.append(f"  {k:<26} {n:3d} cases  {', '.join(sorted(set(files)))}")
    lines.append(f"Unbacked or invalid claims: {len(problems)}")
    lines.extend(f"  {p}" for p in problems)
    text = "\n".join(lines) + "\n"
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    missing_classes = [k for k in ERROR_CLASSES if class_cases.get(k, [0])[0] == 0]
    return text, missing, missing_classes


def write_html(path, columns, rows, cells, problems, nscripts, class_cases):
    covered = sum(1 for v in cells.values() if v)
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>jcopsim conformance coverage</title>",
           "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
           "td,th{border:1px solid #999;padding:2px 4px;font-size:12px}"
           "td.ok{background:#d8f5d8}td.miss{background:#f8d0d0}td.allowed{font-weight:bold}</style>",
           "</head><body>",
           f"<h1>Conformance coverage</h1><p>{len(rows)} commands &times; {len(columns)} card states "
           "(the last six with a secure channel open): "
           f"<b id='covered'>{covered}</b> of <b id='cells'>{len(cells)}</b> cells covered by "
           f"{nscripts} scripts. A cell lists the status words asserted there; bold = the command "
           "table allows the command in that state; red = no case.</p>",
           "<table id='matrix'><tr><th>command</th>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns)
           + "</tr>"]
    for r in sorted(rows):
        out.append(f"<tr><th>{html.escape(r)}</th>")
        for c in columns:
            v = cells[(r, c)]
            cls = "ok" if v else "miss"
            base = "OP_READY" if c in SC_COLUMNS else c.split("+")[0]
            if base in rows[r]["allowed"]:
                cls += " allowed"
            title = html.escape("; ".join(w for w, _ in v)) if v else "no case"
            txt = html.escape(" ".join(sws(v))) if v else "&mdash;"
            out.append(f"<td class='{cls}' title='{title}'>{txt}</td>")
        out.append("</tr>")
    out.append("</table>")
    out.append("<h2>Error classes</h2><table id='classes'><tr><th>class</th><th>cases</th><th>scripts</th></tr>")
    for k in ERROR_CLASSES + sorted(set(class_cases) - set(ERROR_CLASSES)):
        n, files = class_cases.get(k, [0, []])
        cls = "ok" if n else "miss"
        out.append(f"<tr><th>{html.escape(k)}</th><td class='{cls}'>{n}</td>"
                   f"<td>{html.escape(', '.join(sorted(set(files))))}</td></tr>")
    out.append("</table>")
    if problems:
        out.append("<h2>Unbacked or invalid claims</h2><ul>")
        out.extend(f"<li>{html.escape(p)}</li>" for p in problems)
        out.append("</ul>")
    out.append("</body></html>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main(argv):
    ap = argparse.ArgumentParser(description="Coverage matrix of the jcopsim conformance suite.")
    ap.add_argument("--table", required=True, help="output of jt_cmdtable")
    ap.add_argument("--text", help="write the text report here")
    ap.add_argument("--html", help="write the HTML report here")
    ap.add_argument("--check", action="store_true", help="exit 1 when a cell is uncovered")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--replay", help="jcop-replay: also check each claim against the card's state")
    ap.add_argument("--kt", default="000102030405060708090A0B0C0D0E0F", help="transport key for --replay")
    ap.add_argument("dirs", nargs="+", help="folders holding .jcsh scripts")
    args = ap.parse_args(argv)
    try:
        states, rows = read_table(args.table)
    except OSError as e:
        print(f"jt_coverage: cannot read the command table: {e}", file=sys.stderr)
        return 3
    if not states or not rows:
        print(f"jt_coverage: {args.table}: no states or no commands in the table", file=sys.stderr)
        return 3
    columns, cells, problems, nscripts, class_cases = build(states, rows, args.dirs, args.replay, args.kt)
    text, missing, missing_classes = write_text(args.text, columns, rows, cells, problems, nscripts,
                                                class_cases)
    if args.html:
        write_html(args.html, columns, rows, cells, problems, nscripts, class_cases)
    if not args.quiet:
        sys.stdout.write(text)
    if args.check and (missing or problems or missing_classes):
        print(f"jt_coverage: {len(missing)} uncovered cells, {len(problems)} invalid claims, "
              f"error classes without a case: {', '.join(missing_classes) or 'none'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
