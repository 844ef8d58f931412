"""Writes officials-openpyxl.xlsx: a workbook from a second writer (openpyxl 3.1.5), so the
reader is tested on more than rust_xlsxwriter's output. Run from this folder:

    python -m venv /tmp/venv && /tmp/venv/bin/pip install openpyxl==3.1.5
    /tmp/venv/bin/python make_openpyxl_fixture.py

The expected display text of each cell is in tests/xlsx_input.rs
(openpyxl_workbook_reads_as_excel_shows_it)."""

import datetime

from openpyxl import Workbook

wb = Workbook()
ws = wb.active
ws.title = "Legislators"
# Row 3 is blank but styled (empty cells with formats): it must be skipped like an empty row.
ws.append(["Name", "ZIP", "ZIP+4", "Phone", "Elected", "Term Starts", "Vote Share", "Budget", "Notes"])
rows = [
    ("Zoë Ngata", 5633, 56331234, 2025551234, datetime.date(2026, 11, 3),
     datetime.datetime(2027, 1, 6, 10, 30), 0.5125, -1234.5, "05633"),
    (None, None, None, None, None, None, None, None, None),
    ("Ray O'Neil", 501, 5011234, 5551234, datetime.date(2026, 11, 3),
     datetime.datetime(2027, 1, 6, 14, 0), 0.48, 1500000, "line one\nline two"),
]
for r in rows:
    ws.append(list(r))
for row in ws.iter_rows(min_row=2):
    row[1].number_format = "00000"
    row[2].number_format = "00000-0000"
    row[3].number_format = "[<=9999999]###-####;(###) ###-####"
    row[4].number_format = "mm-dd-yy"  # builtin id 14
    row[5].number_format = "dddd, mmmm d, yyyy h:mm AM/PM"
    row[6].number_format = "0.0%"
    row[7].number_format = '"$"#,##0.00_);[Red]("$"#,##0.00)'
    row[8].number_format = "@"
ws["J1"] = "Total"
ws["J2"] = "=B2+1"  # openpyxl writes no cached value: the cell reads as empty

# A second sheet whose header starts below a blank row 1.
other = wb.create_sheet("Notes")
other.append([])
other.append(["Name", "Note"])
other.append(["Zoë Ngata", "Chairs the library committee"])

wb.save("officials-openpyxl.xlsx")
