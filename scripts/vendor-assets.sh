#!/usr/bin/env bash
# Installs the web app's front-end libraries from package-lock.json (npm ci) and copies the
# files pages load into src/studyhall/web/static/vendor/, which ships inside the package.
set -euo pipefail
cd "$(dirname "$0")/.."
# No install scripts: we only copy files, and one dependency of swagger-ui-dist (@scarf/scarf)
# would otherwise report the install over the network.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
vendor=src/studyhall/web/static/vendor
mkdir -p "$vendor"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
cp node_modules/katex/dist/katex.min.js "$vendor/katex.min.js"
# Swagger UI for the API's documentation page (/api/v1/docs), served by us under our CSP.
mkdir -p "$vendor/swagger-ui"
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
  "$vendor/swagger-ui/"
