"""03 data filtering and aggregation: 1,000 expenses stay in the sandbox; only the top categories by spend in EMEA come out."""
# expect: ^emea: [0-9]+ of 1000 expenses$
# expect: ^1\. [a-z]+ [0-9]+\.[0-9]{2} EUR$
# expect: ^3\. [a-z]+ [0-9]+\.[0-9]{2} EUR$
from collections import defaultdict

from servers.ledger import get_exchange_rate, list_expenses

rows, page = [], 1
while page:
    batch = list_expenses(page=page)
    rows += batch["expenses"]
    page = batch["next_page"]
rates = {}
by_category = defaultdict(float)
emea = [r for r in rows if r["region"] == "emea"]
for r in emea:
    if r["currency"] not in rates:
        rates[r["currency"]] = get_exchange_rate(currency=r["currency"])["to_eur"]
    by_category[r["category"]] += r["amount"] * rates[r["currency"]]
print(f"emea: {len(emea)} of {len(rows)} expenses")
for rank, (category, spend) in enumerate(sorted(by_category.items(), key=lambda kv: -kv[1])[:3], 1):
    print(f"{rank}. {category} {spend:.2f} EUR")
