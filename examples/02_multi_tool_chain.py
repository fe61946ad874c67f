"""02 multi-tool chain: one tool's output drives the next: March's expenses, then each currency's rate, then a total in euros."""
# expect: ^march: 179 expenses in 4 currencies$
# expect: ^march total: 79277.77 EUR$
from servers.ledger import get_exchange_rate, list_expenses

rows, page = [], 1
while page:
    batch = list_expenses(month="2026-03", page=page)
    rows += batch["expenses"]
    page = batch["next_page"]
rates = {c: get_exchange_rate(currency=c)["to_eur"] for c in sorted({r["currency"] for r in rows})}
total = sum(r["amount"] * rates[r["currency"]] for r in rows)
print(f"march: {len(rows)} expenses in {len(rates)} currencies")
print(f"march total: {total:.2f} EUR")
