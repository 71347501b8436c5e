#!/usr/bin/python3
"""Write the JCShell scripts of a GlobalPlatformPro-style session for a CAP file.

usage: gppro_script.py CAP OUTDIR

OUTDIR/gppro-install.jcsh is what `gp --install CAP --key 404142434445464748494A4B4C4D4E4F`
sends, in GlobalPlatformPro's order: SELECT of the ISD by the empty AID, INITIALIZE UPDATE with
KVN 00, EXTERNAL AUTHENTICATE at C-MAC with Le 00 (jcop-facts.md §5), INSTALL [for load], LOAD
blocks (the Load File Data Block of the CAP's components in the JCVM 2.2.2 §6.1 order, Descriptor
left out), INSTALL [for install and make selectable]; then the applet (extlen.jca: INS 16 keeps
the command data, INS 18 answers it) is selected and personalized with 200 bytes and read back.
OUTDIR/gppro-readback.jcsh, run by a later process after a restart of the card's host, selects the
applet and reads the data back, short and with an extended Le. The CAP is read with zipfile only.
"""
import faulthandler

faulthandler.enable()  # a crash prints every thread's Python stack to the CI log
import os
import sys
import zipfile

LOAD_ORDER = ["Header", "Directory", "Import", "Applet", "Class", "Method", "StaticField", "Export",
              "ConstantPool", "RefLocation"]
ISD = "A000000003000000"
KEYS = "404142434445464748494A4B4C4D4E4F"


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    cap, out = sys.argv[1], sys.argv[2]
    with zipfile.ZipFile(cap) as z:
        comps = {n.split("/")[-1][:-4]: z.read(n) for n in z.namelist()
                 if n.endswith(".cap") and n.split("/")[-2:-1] == ["javacard"]}
    lfdb = b"".join(comps[c] for c in LOAD_ORDER if c in comps)
    hdr, applet = comps["Header"], comps["Applet"]
    pkg = hdr[13:13 + hdr[12]].hex().upper()
    app = applet[5:5 + applet[4]].hex().upper()
    n = len(lfdb)
    lf = b"\xC4" + (bytes([n]) if n < 0x80 else b"\x81" + bytes([n]) if n < 0x100
                    else b"\x82" + n.to_bytes(2, "big")) + lfdb
    data = bytes((i * 11 + 5) & 0xFF for i in range(200)).hex().upper()
    lines = ["# gppro-install.jcsh (written by gppro_script.py from %s): gp --install, then" % os.path.basename(cap),
             "# personalization of the applet and its data read back.",
             "/power on",
             "/send 00A4040000 *9000",
             "set-key 255/1/DES-ECB/%s 255/2/DES-ECB/%s 255/3/DES-ECB/%s" % (KEYS, KEYS, KEYS),
             "init-update 0",
             "ext-auth mac le"]
    body = "%02X%s%02X%s000000" % (len(pkg) // 2, pkg, len(ISD) // 2, ISD)
    lines.append("/send 80E60200%02X%s00 009000" % (len(body) // 2, body))
    blocks = [lf[i:i + 247] for i in range(0, len(lf), 247)]  # 255 minus the C-MAC
    for i, b in enumerate(blocks):
        p1 = 0x80 if i == len(blocks) - 1 else 0x00
        lines.append("/send 80E8%02X%02X%02X%s00 009000" % (p1, i, len(b), b.hex().upper()))
    body = "%02X%s%02X%s%02X%s0100" "02C900" "00" % (len(pkg) // 2, pkg, len(app) // 2, app, len(app) // 2, app)
    lines.append("/send 80E60C00%02X%s00 009000" % (len(body) // 2, body))
    lines.append("/send 80F24000024F0000 *%02X%s07*9000" % (len(app) // 2, app))
    lines.append("/select %s 9000" % app)
    lines.append("/send 8018000000 6985")
    lines.append("/send 80160000C8%s 9000" % data)
    lines.append("/send 8018000000 %s9000" % data)
    with open(os.path.join(out, "gppro-install.jcsh"), "w") as f:
        f.write("\n".join(lines) + "\n")
    back = ["# gppro-readback.jcsh (written by gppro_script.py): a later process, after the card's",
            "# host restarted, finds the personalized data.",
            "/power on",
            "/select %s 9000" % app,
            "/send 8018000000 %s9000" % data,
            "/send 80180000000000 %s9000" % data]
    with open(os.path.join(out, "gppro-readback.jcsh"), "w") as f:
        f.write("\n".join(back) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
