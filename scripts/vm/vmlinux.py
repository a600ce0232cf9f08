"""Write the uncompressed kernel (an ELF vmlinux) that a Debian bzImage (vmlinuz) carries.

    python3 vmlinux.py VMLINUZ VMLINUX

QEMU boots an ELF vmlinux through PVH, skipping the firmware and the in-guest decompression that
are slow under TCG (about 1.9 s a boot instead of 4.3 s). Debian's bzImage holds the kernel as an
xz stream: find its magic and decompress from there; what follows the stream is ignored.
"""

from __future__ import annotations

import lzma
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"


def main(src: str, dst: str) -> int:
    with open(src, "rb") as f:
        image = f.read()
    start = image.find(XZ_MAGIC)
    if start < 0:
        print(f"vmlinux.py: {src} has no xz payload (not a Debian xz bzImage?)", file=sys.stderr)
        return 1
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(image[start:])
    if not elf.startswith(b"\x7fELF"):
        print(f"vmlinux.py: the xz payload of {src} is not an ELF kernel", file=sys.stderr)
        return 1
    with open(dst, "wb") as f:
        f.write(elf)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
