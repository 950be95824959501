"""A short fuzz run in every `make test` (bench/fuzz.py runs the long one): the parsers
(HTML, DOCX, XLSX, PDF, flattened text) and the portals-file reader, on mutated real
documents and generated input. No exception escapes and no example hangs."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.hostile.fuzzing import (html_soup, mutated_documents, parses_without_escaping,
                                   portals_file_is_read_or_refused, portals_text)

# What a parse may come back as: a report read as one of the formats, or a named limit.
OUTCOMES = {"html", "pdf", "docx", "xlsx", "doc", "wps", "xls", "txt",
            "limit:grid_cells", "limit:decompressed_bytes", "limit:office_seconds"}

SHORT = settings(max_examples=60, deadline=timedelta(seconds=20), derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SHORT
@given(mutated_documents())
def test_damaged_documents_never_escape(document):
    name, body = document
    assert parses_without_escaping(name, body) in OUTCOMES


@SHORT
@given(html_soup(), st.sampled_from([None, "text/html", "text/html; charset=gbk", "application/pdf"]))
def test_html_soup_never_escapes(html, content_type):
    assert parses_without_escaping("page.html", html.encode("utf-8", "surrogatepass"), content_type) in OUTCOMES


@SHORT
@given(st.lists(st.sampled_from(["总计", "本年新收政府信息公开申请数量", "12", "|", "—", "（一）", "0", " "]),
                max_size=300).map("\n".join))
def test_flattened_text_never_escapes(text):
    assert parses_without_escaping("flat.txt", text.encode(), "text/plain") == "txt"


@SHORT
@given(st.one_of(portals_text(), st.binary(max_size=300)))
def test_portals_file_is_read_or_refused_in_one_line(data):
    assert portals_file_is_read_or_refused(data) in ("read", "refused")
