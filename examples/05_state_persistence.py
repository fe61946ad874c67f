"""05 state persistence (run it twice): the first run fetches the ledger and caches it under /state; the second reads the cache and calls no tool."""
# expect run 1: ^fetched 1000 expenses and cached them in /state/examples/expenses\.json$
# expect run 2: ^read 1000 expenses from /state/examples/expenses\.json \(no tool call\)$
import json
import os

CACHE = "/state/examples/expenses.json"

if os.path.exists(CACHE):
    with open(CACHE) as f:
        rows = json.load(f)
    print(f"read {len(rows)} expenses from {CACHE} (no tool call)")
else:
    from servers.ledger import list_expenses

    rows, page = [], 1
    while page:
        batch = list_expenses(page=page)
        rows += batch["expenses"]
        page = batch["next_page"]
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    with open(CACHE, "w") as f:
        json.dump(rows, f)
    print(f"fetched {len(rows)} expenses and cached them in {CACHE}")
