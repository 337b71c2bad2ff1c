#!/usr/bin/env bash
# Set up everything formgen needs on a Debian machine, idempotently:
#   1. system packages: CJK fonts (Noto CJK, LXGW WenKai), poppler-utils, fontconfig;
#   2. FandolFang (a free simplified 仿宋) extracted from Debian's texlive-lang-chinese,
#      without installing TeX itself (falls back to Noto Serif CJK SC if that fails);
#   3. fontconfig aliases from the official font names the DOCX files carry (仿宋_GB2312,
#      黑体, 楷体_GB2312, 方正小标宋简体) to their free stand-ins, so a DOCX opened on Linux
#      (LibreOffice) is set in fonts of near metrics, as its PDF is;
#   4. LibreOffice Writer (no GUI): the test that DOCX and PDF have as many pages, the
#      benchmark's baseline and PDFs from a clerk's edited Word template use it
#      (FORMGEN_NO_LIBREOFFICE=1 skips it; its tests then say they are skipped);
#   5. a venv in .venv with the package and its dev tools (pyproject.toml is the one list);
#   6. for the web page: Swagger UI (pinned, from the npm registry) into the git-ignored
#      generator/app/web/static/vendor/ for /docs, and Debian's Chromium for the browser
#      tests (FORMGEN_NO_CHROMIUM=1 skips it; the browser tests then say they were skipped).
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
if [ -z "${FORMGEN_NO_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  need_apt+=(chromium)
fi
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

# Official font names -> the free fonts installed above. binding="same": the stand-in
# counts as the family asked for, so LibreOffice and every fontconfig client use it.
ALIASES=/etc/fonts/conf.d/63-formgen-official-cjk.conf
read -r -d '' aliases_xml <<'XML' || true
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- formgen (scripts/setup.sh): the official Chinese font names of its DOCX files, set in
     the free fonts its PDFs use, so a DOCX rendered on Linux keeps the PDF's metrics. -->
<fontconfig>
  <alias binding="same"><family>仿宋_GB2312</family>
    <prefer><family>FandolFang</family><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>仿宋</family>
    <prefer><family>FandolFang</family><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>FangSong</family>
    <prefer><family>FandolFang</family><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family>
    <prefer><family>Noto Sans CJK SC</family><family>FandolHei</family></prefer></alias>
  <alias binding="same"><family>SimHei</family>
    <prefer><family>Noto Sans CJK SC</family><family>FandolHei</family></prefer></alias>
  <alias binding="same"><family>楷体_GB2312</family>
    <prefer><family>LXGW WenKai</family><family>FandolKai</family></prefer></alias>
  <alias binding="same"><family>楷体</family>
    <prefer><family>LXGW WenKai</family><family>FandolKai</family></prefer></alias>
  <alias binding="same"><family>宋体</family>
    <prefer><family>Noto Serif CJK SC</family><family>FandolSong</family></prefer></alias>
  <!-- 方正小标宋简体: a bold serif CJK (the titles are bold runs as well). -->
  <match target="pattern">
    <test name="family"><string>方正小标宋简体</string></test>
    <edit name="family" mode="assign" binding="same"><string>Noto Serif CJK SC</string></edit>
    <edit name="weight" mode="assign"><const>bold</const></edit>
  </match>
</fontconfig>
XML
if [ ! -f "$ALIASES" ] || [ "$(cat "$ALIASES")" != "$aliases_xml" ]; then
  echo "formgen setup: fontconfig aliases for the official font names ($ALIASES)"
  printf '%s\n' "$aliases_xml" | $SUDO tee "$ALIASES" >/dev/null
  $SUDO fc-cache -f >/dev/null || true
fi

if [ "${FORMGEN_NO_LIBREOFFICE:-}" != "1" ] && ! command -v soffice >/dev/null; then
  echo "formgen setup: apt-get install libreoffice-writer-nogui"
  { $SUDO apt-get install -y -q --no-install-recommends libreoffice-writer-nogui >/dev/null \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -q --no-install-recommends \
         libreoffice-writer-nogui >/dev/null; }; } \
    || echo "formgen setup: WARNING LibreOffice unavailable; the DOCX page-count test is skipped" >&2
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[dev]'
SWAGGER_UI=5.32.0  # Swagger UI for /docs, served from here (offices have no internet)
VENDOR=generator/app/web/static/vendor
if [ ! -f "$VENDOR/.swagger-ui-$SWAGGER_UI" ] && command -v npm >/dev/null; then
  tmp=$(mktemp -d)
  if npm install --silent --no-audit --no-fund --prefix "$tmp" "swagger-ui-dist@$SWAGGER_UI" >/dev/null 2>&1; then
    mkdir -p "$VENDOR"
    cp "$tmp/node_modules/swagger-ui-dist/"{swagger-ui-bundle.js,swagger-ui.css,LICENSE} "$VENDOR"/
    touch "$VENDOR/.swagger-ui-$SWAGGER_UI"
  else
    echo "formgen setup: WARNING Swagger UI not installed; /docs shows a plain list" >&2
  fi
  rm -rf "$tmp"
fi
# The fonts the a3/a5 fill and the tables are drawn with, prepared once (fontTools takes
# ~20 s for FandolFang, ~6 s each for Noto Sans CJK and the bold Noto Serif CJK; every
# later process reads the prepared copy from the user's cache in a few milliseconds).
.venv/bin/python -c "from generator.render.tables import faces; faces()" \
  || echo "formgen setup: WARNING fonts not prepared; PDFs are laid out by Typst" >&2
# The package and the forms' recipes compiled to bytecode now: a clerk's first export
# otherwise compiles ~40 modules (0.12 s) before it starts.
.venv/bin/python -m compileall -q generator templates >/dev/null || true
echo "formgen setup: ready"
