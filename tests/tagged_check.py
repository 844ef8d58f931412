"""Reads a tagged PDF back with pikepdf and checks its structure (tests/tagged.rs runs it).

Usage: tagged_check.py FILE.pdf LANG
Prints one JSON object: the number of Parts (letters), MCIDs, figures and links checked.
Exits non-zero with the first inconsistency found:
  - Catalog: /MarkInfo /Marked true, /Lang, /StructTreeRoot, /ViewerPreferences
    /DisplayDocTitle true;
  - every MCID in every page's content stream maps back, through the page's /StructParents
    entry of the ParentTree, to a structure element that lists that MCID on that page;
  - every structure element's MCIDs exist in its page's content stream;
  - every Figure has a non-empty /Alt;
  - every link annotation has /Contents and a /StructParent whose ParentTree entry is a Link
    element with an OBJR pointing back at the annotation;
  - every page with marked content has /Tabs /S.
"""

import json
import sys

import pikepdf


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def number_tree(node, out):
    if "/Nums" in node:
        nums = node.Nums
        for i in range(0, len(nums), 2):
            out[int(nums[i])] = nums[i + 1]
    if "/Kids" in node:
        for kid in node.Kids:
            number_tree(kid, out)
    return out


def page_mcids(page):
    mcids = []
    for operands, op in pikepdf.parse_content_stream(page):
        if str(op) == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
            if "/MCID" in operands[1]:
                mcids.append(int(operands[1].MCID))
    return mcids


def main():
    path, lang = sys.argv[1], sys.argv[2]
    pdf = pikepdf.open(path)
    root = pdf.Root
    if not ("/MarkInfo" in root and bool(root.MarkInfo.get("/Marked", False))):
        fail("no /MarkInfo << /Marked true >>")
    if str(root.get("/Lang", "")) != lang:
        fail(f"/Lang is {root.get('/Lang')!r}, not {lang}")
    if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
        fail("no /ViewerPreferences << /DisplayDocTitle true >>")
    if "/StructTreeRoot" not in root:
        fail("no /StructTreeRoot")
    tree = root.StructTreeRoot
    parents = number_tree(tree.ParentTree, {})
    if int(tree.ParentTreeNextKey) != len(parents) or sorted(parents) != list(range(len(parents))):
        fail(f"ParentTree keys are not 0..{int(tree.ParentTreeNextKey)}")

    page_index = {p.objgen: i for i, p in enumerate(pdf.pages)}
    content = {}
    mcid_count = links = 0
    for i, page in enumerate(pdf.pages):
        mcids = page_mcids(page)
        content[page.objgen] = set(mcids)
        if len(set(mcids)) != len(mcids):
            fail(f"page {i + 1}: an MCID is used twice")
        if mcids:
            if str(page.obj.get("/Tabs", "")) != "/S":
                fail(f"page {i + 1}: no /Tabs /S")
            key = int(page.obj.StructParents)
            array = parents[key]
            if len(array) != len(mcids):
                fail(f"page {i + 1}: {len(mcids)} MCIDs, ParentTree array of {len(array)}")
            for mcid in mcids:
                elem = array[mcid]
                if not mcid_listed(elem, mcid, page.obj):
                    fail(f"page {i + 1}: MCID {mcid} maps to a {elem.S} that does not list it")
                mcid_count += 1
        for annot in page.obj.get("/Annots", []):
            if annot.Subtype != "/Link":
                continue
            if "/Contents" not in annot or not str(annot.Contents):
                fail(f"page {i + 1}: a link annotation without /Contents")
            elem = parents[int(annot.StructParent)]
            if elem.S != "/Link":
                fail(f"page {i + 1}: a link annotation's parent is a {elem.S}")
            objrs = [k for k in elem.K if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"]
            if not any(k.Obj.objgen == annot.objgen for k in objrs):
                fail(f"page {i + 1}: the Link element has no OBJR to its annotation")
            links += 1

    figures = parts = 0
    stack = [tree.K]
    seen = set()
    while stack:
        elem = stack.pop()
        if elem.objgen in seen:
            fail("the structure tree has a cycle")
        seen.add(elem.objgen)
        kind = str(elem.S)
        if kind == "/Part":
            parts += 1
        if kind == "/Figure":
            if not str(elem.get("/Alt", "")):
                fail("a Figure without /Alt")
            figures += 1
        kids = elem.K if isinstance(elem.K, pikepdf.Array) else [elem.K]
        for kid in kids:
            if isinstance(kid, int):
                page = elem.Pg
                if kid not in content[page.objgen]:
                    fail(f"a {kind} lists MCID {kid}, not on page {page_index[page.objgen] + 1}")
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                if int(kid.MCID) not in content[kid.Pg.objgen]:
                    fail(f"a {kind} lists MCID {int(kid.MCID)}, not on its page")
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                pass
            else:
                if kid.P.objgen != elem.objgen:
                    fail(f"a {kid.S} inside a {kind} names another parent")
                stack.append(kid)
    print(json.dumps({"parts": parts, "mcids": mcid_count, "figures": figures, "links": links}))


def mcid_listed(elem, mcid, page):
    kids = elem.K if isinstance(elem.K, pikepdf.Array) else [elem.K]
    for kid in kids:
        if isinstance(kid, int) and kid == mcid and elem.Pg.objgen == page.objgen:
            return True
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            if int(kid.MCID) == mcid and kid.Pg.objgen == page.objgen:
                return True
    return False


main()
