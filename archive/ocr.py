"""Text and tables out of page images: the pages of an image-only (scanned) PDF and image
documents (PNG, JPEG, TIFF, …), read with RapidOCR (PP-OCR models run by onnxruntime on the
CPU; the models ship inside the ``rapidocr-onnxruntime`` wheel).

A page goes: grey → deskewed (the angle whose row profile is sharpest) → ruled tables found
from their lines (morphological opening keeps long horizontal and vertical strokes; cells
are the boxes between the lines, merged where a separator is missing, so spans survive) →
text boxes detected once on the page → each table cell recognised from the parts of the
boxes inside it (a box the detector drew across a ruling line is cut at the line), or, when
the detector found nothing in a cell that holds ink (a lone small 0 is often missed), from
the cell's ink itself → the text outside tables as lines, top to bottom.

The result is a :class:`archive.formats.Document` like any other reader's, so statistics,
metadata and checks read an OCRed report as they read a PDF. Each grid cell carries the
recogniser's confidence (0–1), which :mod:`archive.parse` copies onto the values it reads.
Settings live in ``archive/data/ocr.json``: the rendering resolution (``dpi``), the
confidence under which a value is flagged (``low_confidence``), the largest skew corrected
(``max_skew_degrees``), and the letters the recogniser confuses with digits
(``digit_confusions``: applied only to a cell whose whole text is digits and such letters;
the value's confidence is then capped under the threshold, so it is flagged).

No I/O: bytes and arrays in, a Document out (the models are read from the installed wheel).
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from archive.alignment import numbering
from archive.tables import Grid, GridCell, grid_lines, squeeze


@lru_cache(maxsize=1)
def settings() -> dict:
    return json.loads(resources.files("archive").joinpath("data/ocr.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def _engine():
    import logging

    from rapidocr_onnxruntime import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return RapidOCR()


# ------------------------------------------------------------------ page geometry

def grey(image):
    """An RGB/RGBA/grey array (or a PIL image) as 8-bit grey."""
    import cv2
    import numpy as np

    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3:
        array = cv2.cvtColor(array[:, :, :3], cv2.COLOR_RGB2GRAY)
    return array.astype(np.uint8)


def skew_angle(page, limit: float | None = None) -> float:
    """The rotation (degrees, counter-clockwise) that levels the page's lines: the one that
    makes the row profile of the ink sharpest (text lines and table rules line up), searched
    coarse then fine on a reduced copy."""
    import cv2
    import numpy as np

    limit = settings()["max_skew_degrees"] if limit is None else limit
    scale = min(1.0, 900 / max(page.shape))
    small = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, angle, 1.0), (w, h),
                                flags=cv2.INTER_NEAREST, borderValue=0)
        profile = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-limit, limit + 1e-9, 0.5), key=sharpness)
    best = max(np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1), key=sharpness)
    best = max(np.arange(best - 0.1, best + 0.1 + 1e-9, 0.02), key=sharpness)
    return float(round(best, 2))


def deskew(page, angle: float):
    import cv2

    if abs(angle) < 0.01:
        return page
    h, w = page.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(page, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


@dataclass
class TableCells:
    """One ruled table: its box, its row and column lines, and its cells as
    (row0, col0, row1, col1) spans over those lines."""
    box: tuple[int, int, int, int]    # x0, y0, x1, y1
    xs: list[int]
    ys: list[int]
    cells: list[tuple[int, int, int, int]]

    def rect(self, cell: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        r0, c0, r1, c1 = cell
        return self.xs[c0], self.ys[r0], self.xs[c1], self.ys[r1]


def _positions(values: list[float], tolerance: int) -> list[int]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tolerance:
            out[-1].append(v)
        else:
            out.append([v])
    return [int(round(sum(group) / len(group))) for group in out]


def ink_mask(page):
    import cv2

    return cv2.adaptiveThreshold(page, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20)


def text_height(ink) -> int:
    """The height of the page's characters: the upper quartile of its blobs' heights (a
    Chinese character is often several blobs; table rules are not blob-sized)."""
    import cv2
    import numpy as np

    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = [int(s[3]) for s in stats[1:count] if 6 <= s[3] <= 120 and s[2] <= 120 and s[4] >= 12]
    return int(np.percentile(heights, 75)) if len(heights) >= 20 else 20


def line_masks(ink, height: int):
    """Long horizontal and vertical strokes (table rules), gaps of a few pixels closed.
    A rule is longer than any stroke of a character: a row rule at least 1.5 times the
    text ``height``, a column rule 1.3 times when it runs between row rules (below).
    A rule is thin (a bold title's strokes are long too)."""
    import cv2
    import numpy as np

    h, w = ink.shape
    reach = int(1.5 * height) + 4
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (max(25, w // 35, reach), 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(18, reach))))
    # A double-ruled table (each cell its own bordered box, HTML's border-collapse: separate)
    # breaks every column rule into row-high pieces a few pixels apart, often shorter than
    # ``reach``. Such a piece is also a rule: a vertical run longer than a character's
    # stroke (1.3 times the text height; a row is taller than its text), pieces joined down
    # the page across gaps of a few pixels, that runs from a row rule to a row rule (a large
    # title's strokes do not, even over an underline; closing the ink itself would join
    # characters on consecutive lines into rules).
    gap = max(3, height // 5)
    pieces = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(18, int(1.3 * height)))))
    pieces = cv2.morphologyEx(pieces, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    near_row_rules = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 2 * gap + 1))) > 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(pieces, connectivity=8)
    between_rules = np.zeros(count, dtype=bool)
    for label in range(1, count):
        x, y, w_, h_ = (int(v) for v in stats[label][:4])
        between_rules[label] = near_row_rules[y, x:x + w_].any() and near_row_rules[y + h_ - 1, x:x + w_].any()
    vertical[between_rules[labels]] = 255
    # a rule is a thin line: a bold title's long strokes are thicker than any table's rules
    thickest = max(7, height // 4)
    horizontal = _thin(horizontal, 2, thickest)
    vertical = _thin(vertical, 3, thickest)
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 9)))
    return horizontal, vertical


def _thin(mask, along: int, thickest: int):
    """The mask without its components thicker than ``thickest`` on average (area over
    length, so that a long rule a little off level is still thin; ``along``: the stats
    column of the length, 2 for a row rule's width, 3 for a column rule's height)."""
    import cv2
    import numpy as np

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = stats[:, 4] <= thickest * np.maximum(stats[:, along], 1)
    keep[0] = False
    return np.where(keep[labels], np.uint8(255), np.uint8(0))


def find_tables(horizontal, vertical, height: int) -> list[TableCells]:
    """Ruled tables, top to bottom: connected groups of rules with at least two row lines
    and two column lines; cells merged across every missing separator. Rules closer than
    half a character's ``height`` are one (the two lines of a double rule: no row or
    column that thin could hold text)."""
    import cv2
    import numpy as np

    rules = cv2.bitwise_or(horizontal, vertical)
    count, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    tables = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if w < max(60, 3 * height) or h < max(30, height):
            continue   # smaller than three characters: a large character's strokes, not a table
        hs = horizontal[y:y + h, x:x + w]
        vs = vertical[y:y + h, x:x + w]
        n, _, hstats, _ = cv2.connectedComponentsWithStats(hs)
        ys = _positions([s[1] + s[3] / 2 for s in hstats[1:n] if s[2] >= 20], max(6, height // 2))
        n, _, vstats, _ = cv2.connectedComponentsWithStats(vs)
        columns = [s for s in vstats[1:n] if s[3] >= 12]
        xs = _positions([s[0] + s[2] / 2 for s in columns], max(6, height // 2))
        def framed(rules) -> bool:   # the table's left and right borders among them
            return (any(s[0] <= height for s in rules) and any(s[0] + s[2] >= w - height for s in rules))

        if ys:   # a table cut by a page break is open there: its borders run on past its
            above = [s for s in columns if s[1] < ys[0] - height]            # last row rule
            below = [s for s in columns if s[1] + s[3] > ys[-1] + height]
            if framed(above):
                ys.insert(0, sorted(int(s[1]) for s in above)[len(above) // 2])
            if framed(below):
                ys.append(sorted(int(s[1] + s[3]) for s in below)[len(below) // 2])
        if len(ys) < 2 or len(xs) < 2:
            continue

        def has_rule(mask, a0, a1, b0, b1, along_rows: bool) -> bool:
            """Is there a rule over most of the span b0..b1 near position a0..a1?"""
            band = mask[a0:a1, b0:b1] if along_rows else mask[b0:b1, a0:a1]
            if band.size == 0:
                return False
            covered = band.max(axis=0 if along_rows else 1) > 0
            return covered.mean() >= 0.5

        rows, cols = len(ys) - 1, len(xs) - 1
        parent = list(range(rows * cols))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for r in range(rows):
            top, bottom = ys[r] + 4, ys[r + 1] - 4
            for c in range(cols):
                if c + 1 < cols and not has_rule(vs, xs[c + 1] - 6, xs[c + 1] + 7, top, bottom, False):
                    parent[find(r * cols + c + 1)] = find(r * cols + c)
                if r + 1 < rows and not has_rule(hs, ys[r + 1] - 6, ys[r + 1] + 7,
                                                 xs[c] + 4, xs[c + 1] - 4, True):
                    parent[find((r + 1) * cols + c)] = find(r * cols + c)
        groups: dict[int, list[int]] = {}
        for i in range(rows * cols):
            groups.setdefault(find(i), []).append(i)
        cells = []
        for members in groups.values():
            rs = [i // cols for i in members]
            cs = [i % cols for i in members]
            cells.append((min(rs), min(cs), max(rs) + 1, max(cs) + 1))
        cells.sort()
        tables.append(TableCells((int(x), int(y), int(x + w), int(y + h)),
                                 [int(v) + int(x) for v in xs], [int(v) + int(y) for v in ys], cells))
    tables.sort(key=lambda t: (t.box[1], t.box[0]))
    return tables


# ------------------------------------------------------------------ recognition

@dataclass
class Piece:
    """A strip of the page to recognise, and where its text goes."""
    box: tuple[int, int, int, int]   # x0, y0, x1, y1 on the deskewed page
    owner: tuple                     # ("cell", table, cell) or ("line",)


def _boxes(detected) -> list[tuple[int, int, int, int]]:
    out = []
    for quad in detected if detected is not None else []:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        out.append((int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1))
    return out


def _one_line(boxes) -> bool:
    """Do the boxes sit on one text line? Their vertical middles lie within half a line
    height (the detector's boxes are padded, so their extents overlap across lines)."""
    middles = [(b[1] + b[3]) / 2 for b in boxes]
    heights = sorted(b[3] - b[1] for b in boxes)
    return max(middles) - min(middles) < 0.5 * heights[len(heights) // 2]


def _glyph_box(inside, height: int) -> tuple[int, int, int, int] | None:
    """The box around the character-sized blobs of a cell's ink (at least 8 px high or
    30 px in area: a digit at 200 dpi is about 16 px high; specks are a few pixels), not
    counting what is left of a rule along the cell's edge (a line at most 3 px thick and
    longer than two characters are wide, or taller than one: the inner line of a double
    rule, or a rule's fringe)."""
    import cv2

    def rule_left(s) -> bool:
        return (s[3] <= 3 and s[2] >= 2 * height) or (s[2] <= 3 and s[3] >= 1.2 * height)

    count, _, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=8)
    blobs = [s for s in stats[1:count] if (s[3] >= 8 or s[4] >= 30) and not rule_left(s)]
    if not blobs:
        return None
    top, bottom = min(int(s[1]) for s in blobs), max(int(s[1] + s[3]) for s in blobs)
    left = min(int(s[0]) for s in blobs)
    # a minus sign or a dash before the number: flat, within the line, close to its left
    blobs += [s for s in stats[1:count] if s[2] >= 5 and s[2] >= 2 * s[3] and top <= s[1] + s[3] / 2 <= bottom
              and left - 2 * (bottom - top) <= s[0] + s[2] <= left]
    return (min(int(s[0]) for s in blobs), top, max(int(s[0] + s[2]) for s in blobs), bottom)


def _pieces(boxes, tables: list[TableCells], ink, lines, height: int) -> list[Piece]:
    """What to recognise: in a table cell holding one line of text, the box around the
    cell's own ink (a detected box may run over a rule into the next cell, or miss a lone
    small digit); in a cell of several lines, each detected line cut to the cell; outside
    tables, the detected boxes whole."""
    import numpy as np

    pieces: list[Piece] = []
    used: set[int] = set()
    for t_index, table in enumerate(tables):
        for cell in table.cells:
            x0, y0, x1, y1 = table.rect(cell)
            ix0, iy0, ix1, iy1 = x0 + 4, y0 + 4, x1 - 4, y1 - 4
            if ix1 - ix0 < 4 or iy1 - iy0 < 4:
                continue
            inside = [i for i, (bx0, by0, bx1, by1) in enumerate(boxes)
                      if y0 <= (by0 + by1) / 2 <= y1 and min(bx1, ix1) - max(bx0, ix0) >= 6]
            used.update(inside)
            if len(inside) > 1 and not _one_line([boxes[i] for i in inside]):
                # several lines of text (a wrapped label): each detected line cut to the cell
                for i in sorted(inside, key=lambda i: boxes[i][1]):
                    bx0, by0, bx1, by1 = boxes[i]
                    pieces.append(Piece((max(bx0, ix0), max(by0, iy0 - 2), min(bx1, ix1), min(by1, iy1 + 2)),
                                        ("cell", t_index, cell)))
                continue
            # one line: the box around the cell's own ink (a detected box may run over a
            # rule into the next cell, or miss a lone small digit)
            glyphs = _glyph_box(ink[iy0:iy1, ix0:ix1] & ~lines[iy0:iy1, ix0:ix1], height)
            if glyphs is None:
                continue   # an empty cell: specks of noise are smaller than any character
            gx0, gy0, gx1, gy1 = glyphs
            pieces.append(Piece((ix0 + max(0, gx0 - 6), iy0 + max(0, gy0 - 5),
                                 ix0 + min(ix1 - ix0, gx1 + 6), iy0 + min(iy1 - iy0, gy1 + 5)),
                                ("cell", t_index, cell)))
    for i, box in enumerate(boxes):
        if i in used:
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if any(t.box[0] <= cx <= t.box[2] and t.box[1] <= cy <= t.box[3] for t in tables):
            continue   # a box inside a table that sits in no cell (a rule's speck)
        pieces.append(Piece(box, ("line",)))
    return pieces


DETECT_SCALE = 0.6   # text boxes are found on a reduced copy (text at 200 dpi stays ~14 px high)


def detect(page_rgb) -> list[tuple[int, int, int, int]]:
    """Text boxes (x0, y0, x1, y1) on the page, found on a reduced copy."""
    import cv2

    small = cv2.resize(page_rgb, None, fx=DETECT_SCALE, fy=DETECT_SCALE, interpolation=cv2.INTER_AREA)
    detected, _ = _engine().text_det(small)
    return [(int(x0 / DETECT_SCALE), int(y0 / DETECT_SCALE), int(x1 / DETECT_SCALE) + 1, int(y1 / DETECT_SCALE) + 1)
            for x0, y0, x1, y1 in _boxes(detected)]


def _recognise(page_rgb, pieces: list[Piece]) -> list[tuple[str, float]]:
    engine = _engine()
    crops = [page_rgb[max(0, p.box[1]):p.box[3], max(0, p.box[0]):p.box[2]] for p in pieces]
    if not crops:
        return []
    results, _ = engine.text_rec(crops)
    return [(str(text), float(score)) for text, score in results]


NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def fix_digits(text: str) -> tuple[str, bool]:
    """A value cell as OCR read it → the number it shows, and whether letters had to be
    read as digits. Specks read as marks around a number ('0.', '°0') are dropped; letters
    the recogniser confuses with digits are replaced ('1o' → '10') only when the whole cell
    then reads as a number (with at least one real digit, or a single letter), so a word
    stays a word.

    >>> fix_digits("57."), fix_digits("1o"), fix_digits("行政许可"), fix_digits("312.45")
    (('57', False), ('10', True), ('行政许可', False), ('312.45', False))
    """
    confusions, specks = settings()["digit_confusions"], settings()["speck_marks"]
    compact = re.sub(r"\s+", "", text)
    if compact in confusions:   # one mark alone: a small 0 read as 。 or o
        return confusions[compact], True
    compact = compact.strip(specks)
    if not compact:
        return text, False
    if NUMBER.match(compact):
        return compact, False
    mapped = "".join(confusions.get(ch, ch) for ch in compact)
    if NUMBER.match(mapped) and (len(compact) == 1 or any(ch.isdigit() for ch in compact)):
        return mapped, True
    return text, False


@dataclass
class PageText:
    blocks: list[tuple[float, object]]   # (y, a text line or a Grid), top to bottom
    grids: list[Grid]
    skew: float
    confidences: list[float]

    def lines(self) -> list[str]:
        out: list[str] = []
        for _, block in self.blocks:
            out += [line for line in grid_lines(block) if line] if isinstance(block, Grid) else [block]
        return out


def _shape(row: list) -> list[tuple[int, int]]:
    """A row's cells as (start column, span), each source cell once."""
    out, seen = [], set()
    for cell in row:
        if cell is not None and (cell.row, cell.col) not in seen:
            seen.add((cell.row, cell.col))
            out.append((cell.col, cell.colspan))
    return out


def join_broken_row(before: PageText, after: PageText) -> bool:
    """A table row broken by a page break: the page ends with a table and the next page
    starts with one of the same width whose first row has the same cells and does not
    start a numbered row nor holds a number (a label's end wraps onto the next page, a
    value does not), so it is the rest of the last row ('…内部事务信' + '息'). Its texts are
    appended to the last row's, cell by cell, and it is dropped."""
    if not before.blocks or not after.blocks:
        return False
    last, first = before.blocks[-1][1], after.blocks[0][1]
    if not (isinstance(last, Grid) and isinstance(first, Grid) and last.rows and first.rows
            and last.width == first.width and _shape(last.rows[-1]) == _shape(first.rows[0])):
        return False
    head = next((c.text for c in first.rows[0] if c is not None and c.text), "")
    if not head or numbering(head):
        return False
    if any(NUMBER.match(c.text) for c in first.rows[0] if c is not None and c.text):
        return False   # a row with values of its own (行政强制 after 行政处罚; values under a header)
    tail_row, continued = last.rows[-1], first.rows[0]
    joined = []
    for top, rest in zip(tail_row, continued):
        if top is None or rest is None or not rest.raw:
            joined.append(top)
            continue
        raw = top.raw + rest.raw
        scores = [c for c in (top.confidence, rest.confidence) if c is not None]
        joined.append(replace(top, text=squeeze(raw), raw=raw, confidence=min(scores) if scores else None))
    last.rows[-1] = joined
    first.rows.pop(0)
    if not first.rows:
        after.blocks.pop(0)
    return True


def document_lines(pages: list) -> list[str]:
    """A document's lines, page after page: a page is its lines (read as text) or the
    :class:`PageText` OCR made of it. A table row broken between two OCRed pages is joined
    first."""
    for before, after in zip(pages, pages[1:]):
        if isinstance(before, PageText) and isinstance(after, PageText):
            join_broken_row(before, after)
    return [line for page in pages for line in (page.lines() if isinstance(page, PageText) else page)]


def mean_confidence(pages: list) -> float | None:
    """OCR's mean recognition score over the OCRed pages (None when none was)."""
    scores = [score for page in pages if isinstance(page, PageText) for score in page.confidences]
    return round(sum(scores) / len(scores), 4) if scores else None


def read_page(image, first_table: int = 0) -> PageText:
    """One page image (grey or RGB array) → its text lines and tables."""
    import cv2
    import numpy as np

    page = grey(image)
    angle = skew_angle(page)
    page = deskew(page, angle)
    ink = ink_mask(page)
    height = text_height(ink)
    horizontal, vertical = line_masks(ink, height)
    tables = find_tables(horizontal, vertical, height)
    rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)
    # rules painted out before detection, so that text boxes do not run along them
    clean = rgb.copy()
    rules = np.zeros_like(page)
    for table in tables:   # only rules of tables: a large character's long stroke stays
        x0, y0, x1, y1 = table.box
        rules[y0:y1, x0:x1] = (horizontal | vertical)[y0:y1, x0:x1]
    clean[rules > 0] = 255
    pieces = _pieces(detect(clean), tables, ink, rules, height)
    texts = _recognise(clean, pieces)
    confidences: list[float] = []
    cell_parts: dict[tuple, list[tuple[tuple, str, float]]] = {}
    free: list[tuple[tuple, str, float]] = []
    noise = settings()["noise_confidence"]
    for piece, (text, score) in zip(pieces, texts):
        text = text.strip()
        if not text or (score < noise and not NUMBER.match(fix_digits(text)[0])):
            continue   # ink the recogniser cannot read as anything (a speck read as '?' or '喜')
        if piece.owner[0] == "cell":
            cell_parts.setdefault(piece.owner[1:], []).append((piece.box, text, score))
        else:
            free.append((piece.box, text, score))
    grids: list[Grid] = []
    blocks: list[tuple[float, object]] = []
    for t_index, table in enumerate(tables):
        index = first_table + len(grids)
        rows, cols = len(table.ys) - 1, len(table.xs) - 1
        slots: dict[tuple[int, int], GridCell] = {}
        for cell in table.cells:
            parts = _reading_order(cell_parts.get((t_index, cell), []))
            raw = "".join(text for _, text, _ in parts)
            confidence = min((score for _, _, score in parts), default=None)
            fixed, guessed = fix_digits(raw)
            raw = fixed
            if guessed:
                confidence = min(confidence or 1.0, settings()["low_confidence"] - 0.01)
            if confidence is not None:
                confidences.append(confidence)
            r0, c0, r1, c1 = cell
            for r in range(r0, r1):
                for c in range(c0, c1):
                    if (r, c) not in slots:
                        slots[(r, c)] = GridCell(squeeze(raw), raw, (r, c) == (r0, c0), index, r0, c0,
                                                 r1 - r0, c1 - c0, confidence)
        grid = Grid(index, [row for row in ([slots.get((r, c)) for c in range(cols)] for r in range(rows))
                            if any(cell and cell.text for cell in row)])
        if not grid.rows:
            continue
        grids.append(grid)
        blocks.append((table.box[1], grid))
    blocks += _text_lines(free)
    confidences += [score for _, _, score in free]
    blocks.sort(key=lambda block: block[0])
    return PageText(blocks, grids, angle, confidences)


def _line_groups(parts: list[tuple[tuple, str, float]]) -> list[list[tuple[tuple, str, float]]]:
    """Recognised parts (box, text, score) as text lines, top to bottom, each left to right:
    a part whose vertical middle lies within the previous part's box is on its line."""
    lines: list[list[tuple[tuple, str, float]]] = []
    for part in sorted(parts, key=lambda p: (p[0][1] + p[0][3]) / 2):
        middle = (part[0][1] + part[0][3]) / 2
        if lines and lines[-1][-1][0][1] <= middle <= lines[-1][-1][0][3]:
            lines[-1].append(part)
        else:
            lines.append([part])
    return [sorted(line, key=lambda p: p[0][0]) for line in lines]


def _reading_order(parts: list[tuple[tuple, str, float]]) -> list[tuple[tuple, str, float]]:
    """The parts of a cell in reading order."""
    return [part for line in _line_groups(parts) for part in line]


def _text_lines(parts: list[tuple[tuple, str, float]]) -> list[tuple[float, str]]:
    """Boxes outside tables → (top, text) lines, a wide gap kept as a space."""
    lines = _line_groups(parts)
    out = []
    for line in lines:
        text = line[0][1]
        height = max(p[0][3] - p[0][1] for p in line)
        for previous, part in zip(line, line[1:]):
            text += (" " if part[0][0] - previous[0][2] > height else "") + part[1]
        out.append((line[0][0][1], text))
    return out
