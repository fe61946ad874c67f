"""04 control flow: page through results with a loop, branch on what comes back, and recover from a tool that fails."""
# expect: ^pages read: 10$
# expect: ^over 800: [0-9]+ expenses$
# expect: ^skipped XYZ: .*unknown currency XYZ
from _vtcode import ToolError
from servers.ledger import get_exchange_rate, list_expenses

page, pages, large = 1, 0, 0
while page is not None:
    batch = list_expenses(page=page)
    pages += 1
    for expense in batch["expenses"]:
        if expense["currency"] == "EUR" and expense["amount"] > 800:
            large += 1
    page = batch["next_page"]
print(f"pages read: {pages}")
print(f"over 800: {large} expenses")
for currency in ["USD", "XYZ"]:
    try:
        rate = get_exchange_rate(currency=currency)["to_eur"]
        print(f"{currency} -> EUR: {rate}")
    except ToolError as err:
        print(f"skipped {currency}: {err}")
