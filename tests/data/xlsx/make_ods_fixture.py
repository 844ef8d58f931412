"""Writes officials.ods, a minimal OpenDocument spreadsheet, with the standard library only:

    python3 make_ods_fixture.py

calamine reads .ods values but not their number formats, so the ZIP stored as the number
5633 (shown as 05633 by its format) reads 5633 and lettermerge says so in a notice. The
expected text is in tests/xlsx_input.rs (ods_values_without_formats_come_with_a_notice)."""

import re
import zipfile

CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
  xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  office:version="1.2">
 <office:body>
  <office:spreadsheet>
   <table:table table:name="Council">
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>ZIP</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>ZIP text</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Sworn In</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Seats</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Zoë Ngata</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="5633"><text:p>05633</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>05633</text:p></table:table-cell>
     <table:table-cell office:value-type="date" office:date-value="2026-11-29"><text:p>11/29/26</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="7"><text:p>7</text:p></table:table-cell>
    </table:table-row>
   </table:table>
  </office:spreadsheet>
 </office:body>
</office:document-content>
"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""

# LibreOffice writes no whitespace between elements, and calamine expects none.
CONTENT = re.sub(r">\s+<", "><", CONTENT)

with zipfile.ZipFile("officials.ods", "w") as z:
    # The mimetype entry comes first and uncompressed, as the format requires.
    z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
    z.writestr("content.xml", CONTENT, zipfile.ZIP_DEFLATED)
    z.writestr("META-INF/manifest.xml", MANIFEST, zipfile.ZIP_DEFLATED)
