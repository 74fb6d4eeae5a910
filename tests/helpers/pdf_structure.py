"""The structure tree of a tagged PDF as a screen reader meets it: roles in reading order with their text."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject


def _marked_text(reader: PdfReader) -> dict[tuple[int, int], str]:
    """(page object number, MCID) -> the text drawn inside that marked-content sequence."""
    texts: dict[tuple[int, int], str] = {}
    for page in reader.pages:
        stack: list[int | None] = []
        parts: dict[int, list[str]] = {}

        def before(op, args, _cm, _tm, stack=stack):
            if op in (b"BDC", b"BMC"):
                mcid = None
                if op == b"BDC" and isinstance(args[1], DictionaryObject):
                    mcid = args[1].get("/MCID")
                stack.append(mcid)
            elif op == b"EMC" and stack:
                stack.pop()

        def visit(text, _cm, _tm, _font, _size, stack=stack, parts=parts):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            if mcid is not None:
                parts.setdefault(int(mcid), []).append(text)

        page.extract_text(visitor_operand_before=before, visitor_text=visit)
        number = page.indirect_reference.idnum
        for mcid, chunks in parts.items():
            texts[(number, mcid)] = re.sub(r"\s+", " ", "".join(chunks)).strip()
    return texts


def walk(pdf: bytes) -> Iterator[tuple[int, str, str, dict]]:
    """(depth, role, text, attributes) of every structure element, depth first, in document order."""
    reader = PdfReader(io.BytesIO(pdf))
    texts = _marked_text(reader)
    root = reader.trailer["/Root"]["/StructTreeRoot"]

    def kids(node) -> list:
        k = node.get("/K")
        if k is None:
            return []
        return list(k) if isinstance(k, ArrayObject) else [k]

    def element(node, page, depth) -> Iterator[tuple[int, str, str, dict]]:
        node = node.get_object()
        page = node.get("/Pg", page)
        page_number = page.idnum if isinstance(page, IndirectObject) else None
        own: list[str] = []
        children = []
        for kid in kids(node):
            value = kid.get_object() if isinstance(kid, IndirectObject) else kid
            if isinstance(value, int):
                own.append(texts.get((page_number, value), ""))
            elif isinstance(value, DictionaryObject) and value.get("/Type") == "/MCR":
                own.append(texts.get((value["/Pg"].idnum, value["/MCID"]), ""))
            elif isinstance(value, DictionaryObject):
                children.append(value)
        attributes = {k: v for k, v in node.items() if k in ("/Alt", "/A", "/Lang", "/ID")}
        yield depth, str(node.get("/S")), " ".join(t for t in own if t), attributes
        for child in children:
            yield from element(child, page, depth + 1)

    for kid in kids(root):
        yield from element(kid, None, 0)


def full_text(pdf: bytes, role_prefix: str) -> list[str]:
    """The text of every element whose role starts with ``role_prefix`` (for example "/H"), its children's included."""
    rows = list(walk(pdf))
    found = []
    for i, (depth, role, text, _attrs) in enumerate(rows):
        if role.startswith(role_prefix):
            parts = [text]
            for later in rows[i + 1:]:
                if later[0] <= depth:
                    break
                parts.append(later[2])
            found.append(" ".join(p for p in parts if p).strip())
    return found


def outline(pdf: bytes, limit: int = 400) -> str:
    """The tree as indented lines, for a person to read."""
    lines = []
    for depth, role, text, attributes in walk(pdf):
        extra = f" alt={str(attributes['/Alt'])!r}" if "/Alt" in attributes else ""
        scope = attributes.get("/A", {}).get("/Scope") if isinstance(attributes.get("/A"), dict) else None
        extra += f" scope={scope}" if scope else ""
        lines.append(f"{'  ' * depth}{role}{extra} {text[:90]}".rstrip())
    return "\n".join(lines[:limit])
