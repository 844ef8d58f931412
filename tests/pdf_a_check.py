"""The PDF/A-2b rules that apply to lettermerge's letters, checked with pikepdf (qpdf) and
Pillow's ImageCms (LittleCMS). Used by tests/pdf_a.rs; README "Archival PDF (PDF/A-2b)"
lists what is checked and what is not.

Usage: pdf_a_check.py EPOCH FILE.pdf...   (EPOCH: the SOURCE_DATE_EPOCH of the run, the
instant both dates must be; `-` when only their agreement is checked)
Prints one JSON object per file (what was read) and exits 1 with the failures on stderr.
"""

import datetime
import io
import json
import re
import sys

import pikepdf
from PIL import Image, ImageCms

failures = []


def fail(path, message):
    failures.append(f"{path}: {message}")


def pdf_date_instant(text):
    """A PDF date (D:YYYYMMDDHHmmSS with Z or +HH'mm') as a UTC datetime."""
    m = re.fullmatch(r"D:(\d{14})(Z|[+-]\d\d'?\d\d'?)?(00'00'?)?", str(text))
    if not m:
        return None
    t = datetime.datetime.strptime(m.group(1), "%Y%m%d%H%M%S")
    offset = m.group(2) or "Z"
    if offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace("'", "")
        t -= sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    return t.replace(tzinfo=datetime.timezone.utc)


def xmp_instant(text):
    return datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def check_file_syntax(path, raw):
    # Header: %PDF-1.n, then a comment with at least four bytes above 127 (6.1.2).
    lines = raw.split(b"\n", 2)
    if not re.fullmatch(rb"%PDF-1\.[0-7]", lines[0]):
        fail(path, f"header is {lines[0][:20]!r}")
    if not (lines[1].startswith(b"%") and sum(b > 127 for b in lines[1][1:5]) == 4):
        fail(path, f"second line is not a binary comment: {lines[1][:10]!r}")
    # Nothing after the last %%EOF but one end of line (6.1.3).
    if not re.search(rb"%%EOF\r?\n?\Z", raw):
        fail(path, "data after the last %%EOF")
    # startxref points at the xref keyword, whose subsection header is "first count" (6.1.4),
    # or at a cross-reference stream (PDF 1.5, allowed by PDF/A-2: a tagged file's structure
    # elements live in object streams, which only a cross-reference stream can point into).
    start = int(re.findall(rb"startxref\s+(\d+)", raw)[-1])
    table = re.match(rb"xref\r?\n\d+ \d+\r?\n", raw[start:])
    stream = re.match(rb"\d+ 0 obj\s*<<\s*/Type\s*/XRef\b", raw[start:])
    if not (table or stream):
        fail(path, "startxref does not point at a cross-reference table or stream")
    # stream is followed by an end of line; endstream is preceded by one (6.1.7.1).
    if re.search(rb">>[ \t]*stream(?!\r\n|\n)", raw):
        fail(path, "a stream keyword is not followed by an end of line")
    if re.search(rb"[^\r\n]endstream", raw):
        fail(path, "an endstream keyword is not preceded by an end of line")


def check_metadata(path, pdf, epoch):
    root = pdf.Root
    meta = root.get("/Metadata")
    if meta is None:
        fail(path, "no /Metadata stream on the catalog")
        return {}
    if meta.get("/Type") != "/Metadata" or meta.get("/Subtype") != "/XML":
        fail(path, "the Metadata stream is not /Type /Metadata /Subtype /XML")
    if "/Filter" in meta:
        fail(path, "the Metadata stream has a /Filter (6.6.2.1)")
    packet = meta.read_raw_bytes()
    head = packet.split(b"?>", 1)[0]
    if not packet.startswith(b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"'):
        fail(path, f"the XMP packet header is {head!r}")
    if b"bytes=" in head or b"encoding=" in head:
        fail(path, "the xpacket header has a bytes or encoding attribute")
    if not packet.rstrip().endswith(b'<?xpacket end="w"?>'):
        fail(path, "the XMP packet does not end with <?xpacket end=\"w\"?>")
    packet.decode("utf-8")  # UTF-8, or this raises

    xmp = pdf.open_metadata()
    info = pdf.docinfo
    got = {k: xmp.get(k) for k in ["pdfaid:part", "pdfaid:conformance", "dc:title",
                                   "dc:creator", "xmp:CreatorTool", "pdf:Producer",
                                   "xmp:CreateDate", "xmp:ModifyDate", "pdfuaid:part"]}
    if got["pdfaid:part"] != "2" or got["pdfaid:conformance"] != "B":
        fail(path, f"pdfaid is part {got['pdfaid:part']!r} conformance {got['pdfaid:conformance']!r}")
    if got["dc:title"] != str(info.get("/Title")):
        fail(path, f"dc:title {got['dc:title']!r} != Info /Title {info.get('/Title')!r}")
    if "/Author" in info and got["dc:creator"] != [str(info["/Author"])]:
        fail(path, f"dc:creator {got['dc:creator']!r} != Info /Author {info['/Author']!r}")
    if got["xmp:CreatorTool"] != str(info.get("/Creator")):
        fail(path, "xmp:CreatorTool != Info /Creator")
    if got["pdf:Producer"] != str(info.get("/Producer")):
        fail(path, "pdf:Producer != Info /Producer")
    want = None if epoch is None else datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    for xmp_key, info_key in [("xmp:CreateDate", "/CreationDate"), ("xmp:ModifyDate", "/ModDate")]:
        if got[xmp_key] is None or info_key not in info:
            fail(path, f"{xmp_key} or Info {info_key} missing")
            continue
        a, b = xmp_instant(got[xmp_key]), pdf_date_instant(info[info_key])
        if a != b or (want is not None and a != want):
            fail(path, f"{xmp_key} {a} and Info {info_key} {b} are not both {want}")
    # The Info entries PDF/A maps to XMP must not go beyond what the XMP says.
    for key in ["/Subject", "/Keywords", "/Trapped"]:
        if key in info:
            fail(path, f"Info {key} has no XMP counterpart written")
    return {k: v for k, v in got.items() if v is not None}


def check_output_intent(path, pdf):
    intents = pdf.Root.get("/OutputIntents")
    if intents is None or len(intents) != 1:
        fail(path, "not exactly one OutputIntent")
        return {}
    oi = intents[0]
    if oi.get("/S") != "/GTS_PDFA1" or oi.get("/Type") != "/OutputIntent":
        fail(path, f"OutputIntent /S is {oi.get('/S')}")
    profile_stream = oi.get("/DestOutputProfile")
    if profile_stream is None or int(profile_stream.get("/N", 0)) != 3:
        fail(path, "DestOutputProfile is missing or not /N 3")
        return {}
    profile = profile_stream.read_bytes()
    size = int.from_bytes(profile[0:4], "big")
    if size != len(profile) or profile[36:40] != b"acsp":
        fail(path, "the ICC profile's size or signature is wrong")
    if profile[12:16] not in (b"mntr", b"scnr") or profile[16:20] != b"RGB ":
        fail(path, f"the ICC profile is class {profile[12:16]!r}, space {profile[16:20]!r}")
    if profile[8] not in (2, 4):
        fail(path, f"the ICC profile is version {profile[8]}")
    # LittleCMS reads it, and it is sRGB: the built-in sRGB to it changes no colour.
    icc = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    transform = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), icc, "RGB", "RGB")
    colours = [(0, 0, 0), (255, 255, 255), (200, 30, 90), (27, 79, 114), (128, 128, 128)]
    image = Image.new("RGB", (len(colours), 1))
    image.putdata(colours)
    out = ImageCms.applyTransform(image, transform)
    for x, c in enumerate(colours):
        d = out.getpixel((x, 0))
        if max(abs(a - b) for a, b in zip(c, d)) > 1:
            fail(path, f"sRGB {c} became {d} through the profile")
    return {
        "profile": ImageCms.getProfileDescription(icc).strip(),
        "identifier": str(oi.get("/OutputConditionIdentifier")),
    }


def check_limits(path, pdf):
    """Implementation limits (6.1.13): strings, names, integers, indirect objects."""
    if len(pdf.objects) > 8_388_607:
        fail(path, f"{len(pdf.objects)} indirect objects")

    def walk(obj, depth=0):
        if depth > 32:
            return
        if isinstance(obj, pikepdf.String):
            if len(bytes(obj)) > 32767:
                fail(path, "a string longer than 32767 bytes")
        elif isinstance(obj, pikepdf.Name):
            if len(str(obj).encode()) - 1 > 127:
                fail(path, f"a name longer than 127 bytes: {str(obj)[:40]}")
        elif isinstance(obj, int) and not isinstance(obj, bool):
            if not -(2**31) <= obj <= 2**31 - 1:
                fail(path, f"an integer out of range: {obj}")
        elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            for key in obj.keys():
                if len(key.encode()) - 1 > 127:
                    fail(path, f"a name longer than 127 bytes: {key[:40]}")
                value = obj.get(key)
                if not (isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)) and value.is_indirect):
                    walk(value, depth + 1)
        elif isinstance(obj, pikepdf.Array):
            for item in obj:
                if not (isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)) and item.is_indirect):
                    walk(item, depth + 1)

    for obj in pdf.objects:
        walk(obj)


def check_objects(path, pdf):
    """Every object: no LZW, no JavaScript or launch actions, no embedded files, no blend
    modes, images in colour spaces the sRGB intent covers, fonts embedded."""
    fonts = images = 0
    for obj in pdf.objects:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        filters = obj.get("/Filter")
        if filters is not None:
            names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)]
            if "/LZWDecode" in names:
                fail(path, "an LZW-compressed stream")
        kind = obj.get("/S")
        if kind in ("/JavaScript", "/Launch", "/ImportData", "/ResetForm", "/Movie", "/Sound"):
            fail(path, f"a {kind} action")
        if obj.get("/Type") == "/Filespec" or "/EmbeddedFiles" in obj:
            fail(path, "an embedded file")
        if "/BM" in obj and obj["/BM"] not in ("/Normal", "/Compatible"):
            fail(path, f"blend mode {obj['/BM']}")
        if obj.get("/Subtype") == "/Image":
            images += 1
            cs = obj.get("/ColorSpace")
            if cs not in ("/DeviceRGB", "/DeviceGray"):
                fail(path, f"an image in {cs}, which the sRGB output intent does not cover")
            if "/Alternates" in obj or "/OPI" in obj:
                fail(path, "an image with /Alternates or /OPI")
            if "/Interpolate" in obj and bool(obj["/Interpolate"]):
                fail(path, "an image with /Interpolate true")
        if obj.get("/Type") == "/Font":
            fonts += 1
            sub = obj.get("/Subtype")
            if sub == "/Type0":
                cid = obj["/DescendantFonts"][0]
                desc = cid["/FontDescriptor"]
                if not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    fail(path, f"font {obj.get('/BaseFont')} is not embedded")
                if cid.get("/Subtype") == "/CIDFontType2" and "/CIDToGIDMap" not in cid:
                    fail(path, f"CIDFontType2 {obj.get('/BaseFont')} has no CIDToGIDMap")
                if "/CIDSet" in desc:
                    fail(path, "a CIDSet (allowed only when complete; lettermerge writes none)")
                if "/W" not in cid:
                    fail(path, f"font {obj.get('/BaseFont')} has no widths")
                if obj.get("/Encoding") not in ("/Identity-H", "/Identity-V"):
                    fail(path, "a Type0 font with a non-identity encoding")
            elif sub in ("/Type1", "/TrueType", "/MMType1", "/Type3"):
                fail(path, f"an unexpected simple font {sub}")
    if "/Names" in pdf.Root:
        names = pdf.Root["/Names"]
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                fail(path, f"a {key} name tree")
    for key in ("/OpenAction", "/AA", "/AcroForm"):
        if key in pdf.Root:
            fail(path, f"the catalog has {key}")
    if "/Encrypt" in pdf.trailer or pdf.is_encrypted:
        fail(path, "the file is encrypted")
    file_id = pdf.trailer.get("/ID")
    if file_id is None or len(file_id) != 2:
        fail(path, "the trailer has no /ID pair")
    return fonts, images


def check_annotations(path, pdf):
    count = 0
    for number, page in enumerate(pdf.pages, 1):
        if "/AA" in page:
            fail(path, f"page {number} has additional actions")
        for annot in page.get("/Annots", []):
            count += 1
            flags = int(annot.get("/F", 0))
            if not flags & 4 or flags & (1 | 2 | 32):
                fail(path, f"page {number}: an annotation with /F {flags} (must print, not hide)")
            if "/CA" in annot and float(annot["/CA"]) != 1.0:
                fail(path, f"page {number}: an annotation with /CA {annot['/CA']}")
            if annot.get("/Subtype") != "/Link":
                fail(path, f"page {number}: a {annot.get('/Subtype')} annotation")
            action = annot.get("/A")
            if action is not None and action.get("/S") != "/URI":
                fail(path, f"page {number}: a link with a {action.get('/S')} action")
    return count


def main():
    epoch = None if sys.argv[1] == "-" else int(sys.argv[1])
    for path in sys.argv[2:]:
        raw = open(path, "rb").read()
        check_file_syntax(path, raw)
        with pikepdf.open(path) as pdf:
            summary = {"file": path, "pages": len(pdf.pages)}
            summary["xmp"] = check_metadata(path, pdf, epoch)
            summary["title"] = str(pdf.docinfo.get("/Title"))
            summary["intent"] = check_output_intent(path, pdf)
            check_limits(path, pdf)
            summary["fonts"], summary["images"] = check_objects(path, pdf)
            summary["annotations"] = check_annotations(path, pdf)
        print(json.dumps(summary))
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


main()
