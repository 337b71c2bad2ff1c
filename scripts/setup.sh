#!/usr/bin/env bash
# Set up everything formgen needs on a Debian machine, idempotently:
#   1. system packages: CJK fonts (Noto CJK, LXGW WenKai), poppler-utils, fontconfig;
#   2. FandolFang (a free simplified 仿宋) extracted from Debian's texlive-lang-chinese,
#      without installing TeX itself (falls back to Noto Serif CJK SC if that fails);
#   3. a venv in .venv with the package and its dev tools (pyproject.toml is the one list).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

need_apt=()
fonts=$(fc-list 2>/dev/null || true)  # captured first: grep -q on a pipe trips pipefail
grep -q "NotoSerifCJK" <<<"$fonts" || need_apt+=(fonts-noto-cjk)
grep -q "LXGWWenKai" <<<"$fonts" || need_apt+=(fonts-lxgw-wenkai)
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
command -v fc-cache >/dev/null || need_apt+=(fontconfig)
grep -q "DejaVuSans.ttf" <<<"$fonts" || need_apt+=(fonts-dejavu-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "formgen setup: apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

FANDOL_DIR=/usr/local/share/fonts/fandol
if [ ! -f "$FANDOL_DIR/FandolFang-Regular.otf" ]; then
  echo "formgen setup: extracting FandolFang from texlive-lang-chinese"
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download texlive-lang-chinese >/dev/null 2>&1 \
        || { $SUDO apt-get update -qq && apt-get download texlive-lang-chinese >/dev/null; }) \
     && dpkg-deb -x "$tmp"/texlive-lang-chinese_*.deb "$tmp/x"; then
    $SUDO mkdir -p "$FANDOL_DIR"
    $SUDO cp "$tmp"/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol{Fang,Kai,Hei,Song}-*.otf "$FANDOL_DIR"/
    $SUDO fc-cache -f "$FANDOL_DIR" >/dev/null || true
  else
    echo "formgen setup: WARNING FandolFang unavailable; 仿宋 falls back to Noto Serif CJK SC" >&2
  fi
  rm -rf "$tmp"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[dev]'
echo "formgen setup: ready"
