"""08 cross-session persistence (run it three times): each run is a new session that finds what the earlier ones left in /state and adds to it."""
# expect run 1: ^session 1: started the journal$
# expect run 2: ^session 2: the journal has 1 earlier entry$
# expect run 3: ^session 3: the journal has 2 earlier entries$
# expect run 3: ^months seen so far: 2026-01, 2026-02, 2026-03$
import json
import os

from servers.ledger import list_expenses

JOURNAL = "/state/examples/journal.json"
journal = []
if os.path.exists(JOURNAL):
    with open(JOURNAL) as f:
        journal = json.load(f)
session = len(journal) + 1
month = f"2026-{session:02d}"
count = list_expenses(month=month)["total"]
if journal:
    word = "entry" if len(journal) == 1 else "entries"
    print(f"session {session}: the journal has {len(journal)} earlier {word}")
else:
    print(f"session {session}: started the journal")
journal.append({"session": session, "month": month, "expenses": count})
os.makedirs(os.path.dirname(JOURNAL), exist_ok=True)
with open(JOURNAL, "w") as f:
    json.dump(journal, f)
print(f"months seen so far: {', '.join(e['month'] for e in journal)}")
