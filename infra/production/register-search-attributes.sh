#!/usr/bin/env bash
# Registers pomona's search attributes (workflows/search-attributes.ts) on a cluster's namespace, once.
# Uses the same environment as the workers: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (and the temporal CLI's
# own TEMPORAL_TLS_* variables for mTLS). TEMPORAL_CLI overrides the binary (default: the pinned one).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cli="${TEMPORAL_CLI:-$root/.tools/temporal/bin/temporal}"
ns="${TEMPORAL_NAMESPACE:-default}"
for attr in PomonaProject=Keyword PomonaPhase=Keyword PomonaRound=Int PomonaMap50=Double; do
  "$cli" operator search-attribute create --namespace "$ns" --name "${attr%%=*}" --type "${attr#*=}"
done
