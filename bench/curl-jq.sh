#!/usr/bin/env bash
# The loop a user would write without funnels: one curl per page, jq to pull `.result.data[]` as
# compact NDJSON, offset += limit until offset >= total_items. Same requests as `funnels list --all`
# (limit 10000, sort ext_id asc, the same fields).
#
#   FUNNELS_ENDPOINT=http://127.0.0.1:PORT/v2.0 FUNNELS_TOKEN=demo bench/curl-jq.sh > funnels.ndjson
#
# It is written charitably: one jq pass per page prints total_items first and then the records, so
# each 8.8 MB page is parsed once, not twice.
set -euo pipefail

: "${FUNNELS_ENDPOINT:?set FUNNELS_ENDPOINT}" "${FUNNELS_TOKEN:?set FUNNELS_TOKEN}"
limit=10000
offset=0
while :; do
    body=$(printf '{"jsonrpc":"2.0","id":1,"method":"get.sales_funnel","params":{"access_token":"%s","limit":%d,"offset":%d,"fields":["ext_id","name","stages"],"sort":[{"field":"ext_id","order":"asc"}]}}' \
        "$FUNNELS_TOKEN" "$limit" "$offset")
    {
        read -r total
        cat
    } < <(curl -sS --fail -H 'Content-Type: application/json; charset=UTF-8' --data-binary "$body" "$FUNNELS_ENDPOINT" |
        jq -c '.result.metadata.total_items, .result.data[]')
    offset=$((offset + limit))
    if [ "$offset" -ge "$total" ]; then
        break
    fi
done
