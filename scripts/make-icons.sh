#!/usr/bin/env bash
# Regenerate every Reverie app icon from the hand-written source icons/icon.svg.
#
# NOT run by the build: the outputs are committed, so run this by hand after
# editing icons/icon.svg, look at the results, and commit them together.
#
# Outputs (all referenced from tauri.conf.json; PNGs are 8-bit RGBA, which Tauri requires):
#   icons/32x32.png         32x32
#   icons/128x128.png       128x128
#   icons/128x128@2x.png    256x256
#   icons/icon.png          512x512
#   icons/tray.png          32x32   (system tray; same mark)
#   icons/icon.ico          16, 32, 48, 64, 128, 256
#   icons/icon.icns         16, 32, 64, 128, 256, 512, 1024 (PNG entries, incl. @2x)
#
# Needs (Debian 12 package names):
#   rsvg-convert   librsvg2-bin   SVG -> PNG at each size
#   convert        imagemagick    writes the multi-size .ico, forces PNG32 (RGBA)
#   python3        python3        writes the .icns (standard library only)
#     apt-get install -y librsvg2-bin imagemagick python3
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
icons="$root/icons"
src="$icons/icon.svg"

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "make-icons: '$1' not found (apt-get install -y $2)" >&2
    exit 1
  }
}
need rsvg-convert librsvg2-bin
need convert imagemagick
need python3 python3
[[ -f "$src" ]] || { echo "make-icons: missing $src" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Render each size straight from the vector (sharper than downscaling one
# big bitmap), then pass through ImageMagick as PNG32 so every file is
# guaranteed 8-bit/color RGBA.
render() { # size out
  rsvg-convert --width "$1" --height "$1" --keep-aspect-ratio "$src" -o "$tmp/raw-$1.png"
  convert "$tmp/raw-$1.png" -strip "PNG32:$2"
}

for s in 16 32 48 64 128 256 512 1024; do
  render "$s" "$tmp/$s.png"
done

cp "$tmp/32.png"  "$icons/32x32.png"
cp "$tmp/128.png" "$icons/128x128.png"
cp "$tmp/256.png" "$icons/128x128@2x.png"
cp "$tmp/512.png" "$icons/icon.png"
cp "$tmp/32.png"  "$icons/tray.png"

# .ico: one frame per size, each rendered from the SVG.
convert "$tmp/16.png" "$tmp/32.png" "$tmp/48.png" "$tmp/64.png" \
        "$tmp/128.png" "$tmp/256.png" "$icons/icon.ico"

# .icns: written by a few lines of stdlib Python (no extra packages). Every
# entry is a PNG payload, the layout Apple's iconutil and `tauri icon` emit
# (png2icns from icnsutils would store 256/512 as JPEG 2000 instead).
#   icp4 16, icp5 32, icp6 64, ic07 128, ic08 256, ic09 512, ic10 1024 (512@2x),
#   ic11 32 (16@2x), ic12 64 (32@2x), ic13 256 (128@2x), ic14 512 (256@2x)
python3 - "$tmp" "$icons/icon.icns" <<'PY'
import struct, sys
tmp, out = sys.argv[1], sys.argv[2]
entries = [("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128),
           ("ic08", 256), ("ic09", 512), ("ic10", 1024),
           ("ic11", 32), ("ic12", 64), ("ic13", 256), ("ic14", 512)]
body = b""
for kind, size in entries:
    with open(f"{tmp}/{size}.png", "rb") as f:
        png = f.read()
    body += kind.encode("ascii") + struct.pack(">I", 8 + len(png)) + png
with open(out, "wb") as f:
    f.write(b"icns" + struct.pack(">I", 8 + len(body)) + body)
PY
[[ -s "$icons/icon.icns" ]] || { echo "make-icons: failed to write icon.icns" >&2; exit 1; }

echo "make-icons: wrote"
for f in 32x32.png 128x128.png 128x128@2x.png icon.png tray.png icon.ico icon.icns; do
  printf '  icons/%-16s %s bytes\n' "$f" "$(stat -c %s "$icons/$f")"
done
