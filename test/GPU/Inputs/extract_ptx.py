"""Prints the PTX that gpu-module-to-binary (format=isa) embeds in gpu.binary ops.

usage: extract_ptx.py FILE.mlir [--out-dir DIR] [--ptxas PTXAS --arch SM]

For each `gpu.binary @name [#gpu.object<#nvvm.target<...>, ..., assembly = "...">]`
prints a line `// gpu.binary @name <target>` and the PTX text (MLIR string
escapes decoded), so FileCheck can check it line by line. With --out-dir, also
writes DIR/<name>.ptx; with --ptxas, assembles each PTX object with
`PTXAS -arch=SM` into DIR/<name>.cubin and prints `ptxas ok: <name>` (the exit
status is ptxas's first failure). Done here rather than in a shell loop, which
lit's internal shell does not have.
"""

import os
import re
import subprocess
import sys

OBJECT = re.compile(
    r'gpu\.binary @(?P<name>[\w$.]+)\s*(?:<[^>]*>)?\s*\[#gpu\.object<'
    r'(?P<target>#nvvm\.target<[^>]*>)[^"]*?assembly = "(?P<asm>(?:[^"\\]|\\.)*)"')


def unescape(text):
    # MLIR prints non-printable bytes as \XX (hex) and escapes \\ and \".
    return re.sub(r'\\([0-9A-Fa-f]{2}|\\|")',
                  lambda m: m.group(1) if m.group(1) in ('\\', '"')
                  else chr(int(m.group(1), 16)), text)


def main(argv):
    path = argv[1]
    def opt(name):
        return argv[argv.index(name) + 1] if name in argv else None
    out_dir, ptxas, arch = opt("--out-dir"), opt("--ptxas"), opt("--arch")
    text = open(path).read() if path != "-" else sys.stdin.read()
    count = 0
    for m in OBJECT.finditer(text):
        ptx = unescape(m.group("asm"))
        print(f"// gpu.binary @{m.group('name')} {m.group('target')}")
        print(ptx)
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
            base = os.path.join(out_dir, m.group("name"))
            with open(base + ".ptx", "w") as f:
                f.write(ptx)
            if ptxas:
                run = subprocess.run([ptxas, f"-arch={arch}", base + ".ptx",
                                      "-o", base + ".cubin"])
                if run.returncode:
                    return run.returncode
                print(f"ptxas ok: {m.group('name')}")
        count += 1
    print(f"// {count} PTX object(s)")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
