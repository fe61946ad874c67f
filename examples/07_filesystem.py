"""07 filesystem operations: read the project's invoice files, write a report under /state, list it and read it back."""
# expect: ^read 3 invoice files, 9 lines$
# expect: ^wrote /state/examples/invoice-report\.md \(5 lines\)$
# expect: ^acme: 1250\.00$
import csv
import glob
import os

files = sorted(glob.glob("examples/data/invoices/*.csv"))
totals, lines = {}, 0
for path in files:
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            lines += 1
            totals[row["customer"]] = totals.get(row["customer"], 0.0) + float(row["amount"])
print(f"read {len(files)} invoice files, {lines} lines")
os.makedirs("/state/examples", exist_ok=True)
report = "/state/examples/invoice-report.md"
with open(report, "w") as f:
    f.write("# Invoices by customer\n")
    for customer in sorted(totals):
        f.write(f"{customer}: {totals[customer]:.2f}\n")
with open(report) as f:
    text = f.read()
print(f"wrote {report} ({len(text.splitlines())} lines)")
print("files in /state/examples:", ", ".join(sorted(os.listdir("/state/examples"))))
print(text.splitlines()[1])
