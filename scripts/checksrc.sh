#!/usr/bin/env bash
# Fail on C functions we never use (STYLE.md §21) and on layering violations (DESIGN.md):
# domain code (chat, safety, legal, transparency) must not include network, API or store
# back-end headers.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

banned='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)[[:space:]]*\('
if hits=$(grep -rnE "$banned" src tools bench fuzz tests/unit --include='*.c' --include='*.h' 2>/dev/null); then
  echo "checksrc: banned functions:"; echo "$hits"; status=1
fi

for d in src/chat src/safety src/legal src/transparency; do
  [ -d "$d" ] || continue
  if hits=$(grep -rnE '#include[[:space:]]*[<"](sqlite3\.h|libpq-fe\.h|nats/nats\.h|uv\.h|llhttp\.h|jansson\.h)' "$d"); then
    echo "checksrc: domain code includes a back-end/network header:"; echo "$hits"; status=1
  fi
  if hits=$(grep -rnE '#include[[:space:]]*"(\.\./)*(net|api)/' "$d"); then
    echo "checksrc: domain code includes net/ or api/:"; echo "$hits"; status=1
  fi
done
# Nothing above src/store/ may include the SQL client headers.
if hits=$(grep -rnE '#include[[:space:]]*[<"](sqlite3\.h|libpq-fe\.h)' src --include='*.[ch]' | grep -v '^src/store/'); then
  echo "checksrc: SQL headers outside src/store/:"; echo "$hits"; status=1
fi
# Every module opens with a design comment.
for f in $(find src -name '*.[ch]'); do
  head -c 3 "$f" | grep -q '^/\*' || { echo "checksrc: $f does not open with a design comment"; status=1; }
done
[ $status -eq 0 ] && echo "checksrc: ok"
exit $status
