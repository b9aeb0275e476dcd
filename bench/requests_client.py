#!/usr/bin/env python3
"""The Python script a user would write without funnels: a requests.Session (one keep-alive
connection), offset += limit until offset >= total_items, each record of `result.data` printed as
compact NDJSON. Same requests as `funnels list --all` (limit 10000, sort ext_id asc, same fields).

    FUNNELS_ENDPOINT=http://127.0.0.1:PORT/v2.0 FUNNELS_TOKEN=demo python3 bench/requests_client.py
"""

import json
import os
import sys

import requests


def main() -> int:
    endpoint = os.environ["FUNNELS_ENDPOINT"]
    token = os.environ["FUNNELS_TOKEN"]
    limit, offset = 10000, 0
    out = sys.stdout
    with requests.Session() as session:
        while True:
            body = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "get.sales_funnel",
                "params": {
                    "access_token": token,
                    "limit": limit,
                    "offset": offset,
                    "fields": ["ext_id", "name", "stages"],
                    "sort": [{"field": "ext_id", "order": "asc"}],
                },
            }
            response = session.post(endpoint, json=body, timeout=60)
            response.raise_for_status()
            result = response.json()["result"]
            for record in result["data"]:
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
            offset += limit
            if offset >= result["metadata"]["total_items"]:
                break
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
