#!/usr/bin/env bash
# Regenerates the README's configuration reference from the schema (after `npm run build`).
set -euo pipefail
cd "$(dirname "$0")/.."
doc=$(node bin/stratum1d.js config doc)
DOC="$doc" python3 - <<'PY'
import os, re
path = 'README.md'
text = open(path).read()
block = '<!-- config-doc:start -->\n' + os.environ['DOC'].strip() + '\n<!-- config-doc:end -->'
open(path, 'w').write(re.sub(r'<!-- config-doc:start -->.*?<!-- config-doc:end -->', lambda m: block, text, flags=re.S))
PY
