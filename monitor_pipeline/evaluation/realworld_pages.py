"""Evaluate extraction + cleaning on real third-party pages (not shipped with the project).

Reads ``<dir>/pages/expected.json`` (URL → {file, with: [...], without: [...]}) and the pages in
``<dir>/pages/html/``, where ``<dir>`` is ``$MONITOR_REALWORLD_DIR`` or ``<repo>/../shared/realworld``.
For every page it runs the project's decode → extract → clean → language chain and checks
that each ``with`` snippet is in the cleaned text and each ``without`` snippet is not, after
``normalize_for_matching`` on both sides. The same check on trafilatura's raw text gives the
baseline that cleaning must not lose. Two traps are checked separately: a client-side
rendered page must come out empty, and an English page declared ``lang="fr"`` must be
detected as English.

Run: ``python -m monitor_pipeline.evaluation.realworld_pages``.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from monitor_pipeline.core.text.clean import clean_text, normalize_for_matching
from monitor_pipeline.core.text.decode import decode_html
from monitor_pipeline.core.text.extract import extract_article
from monitor_pipeline.core.text.language import detect_language

KEPT_TARGET = 0.95
DROPPED_TARGET = 0.90
CLIENT_SIDE_PAGE = "lanouvellerepublique.fr.martin.html"
ENGLISH_PAGE = "sibenlab.blogspot.com.privacy.html"


@dataclass
class PageResult:
    file: str
    status: str
    language: str
    kept: int
    with_total: int
    dropped: int
    without_total: int
    missing: list[str] = field(default_factory=list)  # `with` snippets lost
    leaked: list[str] = field(default_factory=list)  # `without` snippets still present
    raw_kept: int = 0  # the same on trafilatura's text before cleaning
    raw_dropped: int = 0


@dataclass
class RealworldReport:
    pages: list[PageResult]
    client_side_status: str | None
    client_side_text_chars: int | None
    english_page_language: str | None

    def _sum(self, name: str) -> int:
        return sum(getattr(page, name) for page in self.pages)

    @property
    def kept_share(self) -> float:
        return self._sum("kept") / max(1, self._sum("with_total"))

    @property
    def dropped_share(self) -> float:
        return self._sum("dropped") / max(1, self._sum("without_total"))

    @property
    def raw_kept_share(self) -> float:
        return self._sum("raw_kept") / max(1, self._sum("with_total"))

    @property
    def raw_dropped_share(self) -> float:
        return self._sum("raw_dropped") / max(1, self._sum("without_total"))


def realworld_dir() -> Path:
    """The evaluation folder (it may not exist: check before use)."""
    configured = os.environ.get("MONITOR_REALWORLD_DIR")
    if configured:
        return Path(configured)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "realworld"


def evaluate_page(path: Path, url: str | None, with_snippets: list[str], without_snippets: list[str]) -> PageResult:
    """Run the chain on one page and score its snippets."""
    decoded = decode_html(path.read_bytes(), None)
    extracted = extract_article(decoded.text, url=url)
    cleaned = clean_text(extracted.text)
    language, _ = detect_language(cleaned.text) if cleaned.text else ("und", 0.0)
    text = normalize_for_matching(cleaned.text)
    raw = normalize_for_matching(extracted.text)
    missing = [s for s in with_snippets if normalize_for_matching(s) not in text]
    leaked = [s for s in without_snippets if normalize_for_matching(s) in text]
    return PageResult(
        file=path.name,
        status=extracted.status,
        language=language,
        kept=len(with_snippets) - len(missing),
        with_total=len(with_snippets),
        dropped=len(without_snippets) - len(leaked),
        without_total=len(without_snippets),
        missing=missing,
        leaked=leaked,
        raw_kept=sum(normalize_for_matching(s) in raw for s in with_snippets),
        raw_dropped=sum(normalize_for_matching(s) not in raw for s in without_snippets),
    )


def evaluate(base: Path | None = None) -> RealworldReport:
    """Evaluate every page listed in expected.json, plus the two trap pages."""
    base = base or realworld_dir()
    pages_dir = base / "pages"
    expected_path = pages_dir / "expected.json"
    if not expected_path.is_file():
        raise FileNotFoundError(f"real-world evaluation data not found: {expected_path}")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    results: list[PageResult] = []
    for url, entry in sorted(expected.items(), key=lambda item: item[1]["file"]):
        results.append(
            evaluate_page(
                pages_dir / "html" / entry["file"], url,
                list(entry.get("with", [])), list(entry.get("without", [])),
            )
        )

    client_side_status = client_side_chars = None
    client_side_path = pages_dir / "html" / CLIENT_SIDE_PAGE
    if client_side_path.is_file():
        decoded = decode_html(client_side_path.read_bytes(), None)
        extracted = extract_article(decoded.text)
        client_side_status = extracted.status
        client_side_chars = len(clean_text(extracted.text).text)

    english_language = next((page.language for page in results if page.file == ENGLISH_PAGE), None)
    if english_language is None and (pages_dir / "html" / ENGLISH_PAGE).is_file():
        english_language = evaluate_page(pages_dir / "html" / ENGLISH_PAGE, None, [], []).language
    return RealworldReport(results, client_side_status, client_side_chars, english_language)


def format_report(report: RealworldReport) -> str:
    """Human-readable summary with per-page misses."""
    lines = [
        f"pages evaluated: {len(report.pages)}",
        f"`with` snippets kept:      {report.kept_share:6.1%} (target ≥ {KEPT_TARGET:.0%}; "
        f"trafilatura alone {report.raw_kept_share:.1%})",
        f"`without` snippets dropped: {report.dropped_share:6.1%} (target ≥ {DROPPED_TARGET:.0%}; "
        f"trafilatura alone {report.raw_dropped_share:.1%})",
        f"client-side page {CLIENT_SIDE_PAGE}: status={report.client_side_status} "
        f"text_chars={report.client_side_text_chars}",
        f"English page declared fr {ENGLISH_PAGE}: language={report.english_page_language}",
    ]
    for page in report.pages:
        if page.missing or page.leaked:
            lines.append(f"  {page.file}: missing={page.missing} leaked={page.leaked}")
    return "\n".join(lines)


def main() -> int:
    """Print the figures; exit 1 when a target is missed, 2 when the data is absent."""
    try:
        report = evaluate()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    ok = (
        report.kept_share >= KEPT_TARGET
        and report.dropped_share >= DROPPED_TARGET
        and report.client_side_status == "empty"
        and report.english_page_language == "en"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
