#!/usr/bin/env bash
# Refetch the dashboard's third-party browser assets into src/ruralmig/dashboard/static/vendor/.
# MapLibre GL JS comes from npm (`npm pack`, no node_modules); plotly.min.js is the file that ships inside the
# plotly Python package (so the dashboard and the reports use the same Plotly build). Needs npm and the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
MAPLIBRE_VERSION="${MAPLIBRE_VERSION:-6.17.0}"
PYTHON="${PYTHON:-.venv/bin/python}"
vendor=src/ruralmig/dashboard/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "maplibre-gl@${MAPLIBRE_VERSION}" >/dev/null && tar -xzf maplibre-gl-*.tgz)
mkdir -p "$vendor/maplibre-gl" "$vendor/plotly"
for file in maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css; do
  cp "$work/package/dist/$file" "$vendor/maplibre-gl/$file"
done
cp "$work/package/LICENSE.txt" "$vendor/maplibre-gl/LICENSE.txt"
echo "maplibre-gl ${MAPLIBRE_VERSION} (npm), BSD-3-Clause" > "$vendor/maplibre-gl/VERSION"

plotly_dir=$("$PYTHON" -c "import os, plotly; print(os.path.join(os.path.dirname(plotly.__file__), 'package_data'))")
plotly_version=$("$PYTHON" -c "import plotly; print(plotly.__version__)")
cp "$plotly_dir/plotly.min.js" "$vendor/plotly/plotly.min.js"
"$PYTHON" - "$vendor/plotly/LICENSE.txt" <<'PY'
import sys
from importlib.metadata import distribution

dist = distribution("plotly")
text = next((dist.read_text(name) for name in ("LICENSE.txt", "LICENSE", "licenses/LICENSE.txt") if dist.read_text(name)), None)
if text is None:
    files = [f for f in dist.files or [] if "LICENSE" in f.name.upper()]
    text = files[0].read_text() if files else "plotly.js and plotly.py are released under the MIT License."
open(sys.argv[1], "w").write(text)
PY
echo "plotly.min.js from plotly.py ${plotly_version}, MIT" > "$vendor/plotly/VERSION"
ls -l "$vendor"/*/
