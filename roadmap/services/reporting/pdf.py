"""The report as a PDF: the report model (roadmap.services.reporting.model) laid out as HTML by
templates/report/ and as pages by WeasyPrint in a child process. Charts are the model's drawings written as
SVG (the same as on screen).

Safety: the renderer reads nothing but the packaged report assets (the fonts shipped in static/fonts/),
through `AssetFetcher`, which refuses every other address — file paths, http(s), data:, redirects — and
records what it refused. User text reaches the HTML only through Jinja's escaping. The layout runs in a
forked child with a time limit and an address-space limit (RLIMIT_AS): a render that runs away is killed
and reported as `RenderFailed`, and the serving process carries on.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import os
import pickle
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from roadmap.models import Assessment
from roadmap.services.reporting import model as report

log = logging.getLogger("roadmap.reports")

ROOT = Path(__file__).resolve().parents[3]
FONT_DIR = ROOT / "static" / "fonts"
TEMPLATE_DIR = ROOT / "templates" / "report"
MIME_TYPE = "application/pdf"

# The only addresses the renderer may read. The host is reserved (.invalid): nothing is ever fetched over
# the network, the fetcher answers these from the package and refuses everything else.
ASSET_BASE = "https://report-assets.invalid/"
ASSETS: dict[str, tuple[Path, str]] = {
    f"fonts/{path.name}": (path, "font/ttf") for path in sorted(FONT_DIR.glob("Liberation*.ttf"))
}

# The layout values of the two reports, in one place (the print stylesheet's "variables" section reads
# them). The Vietnamese report is an administrative document in the format of Decree 30/2020/NĐ-CP: A4,
# margins top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm, a Times-New-Roman-compatible serif of
# 13–14 pt, line spacing about 1.5, page numbers at the top centre from page 2. The English one is modern.
LAYOUT: dict[str, dict[str, str]] = {
    "vi": {
        "style": "decree30",
        "page_size": "A4",
        "margin_top": "20mm",
        "margin_bottom": "20mm",
        "margin_left": "30mm",
        "margin_right": "15mm",
        "body_font": "Liberation Serif",
        "heading_font": "Liberation Serif",
        "font_size": "13pt",
        "line_height": "1.5",
        "text_colour": "#000000",
        "accent": "#000000",
    },
    "en": {
        "style": "modern",
        "page_size": "A4",
        "margin_top": "24mm",
        "margin_bottom": "22mm",
        "margin_left": "22mm",
        "margin_right": "20mm",
        "body_font": "Liberation Serif",
        "heading_font": "Liberation Sans",
        "font_size": "11pt",
        "line_height": "1.4",
        "text_colour": "#1c1f24",
        "accent": "#8b1a1a",
    },
}
PDF_VARIANT = "pdf/a-3b"


def _template_version() -> str:
    """Changes whenever a report template, the layout table or the fonts change (a cache key part)."""
    digest = hashlib.sha256(repr(sorted(LAYOUT.items())).encode())
    digest.update(PDF_VARIANT.encode())
    for path in sorted(TEMPLATE_DIR.glob("*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for name in ASSETS:
        digest.update(name.encode())
    return digest.hexdigest()[:16]


TEMPLATE_VERSION = _template_version()


class RenderFailed(RuntimeError):  # noqa: N818 (reads as the domain says it)
    """The renderer was stopped (time or memory limit) or failed: `reason` 'timeout', 'memory', 'error'."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Rendered:
    pdf: bytes
    refused: tuple[str, ...]  # addresses the fetcher refused (nothing outside the allowlist was read)
    served: tuple[str, ...]
    seconds: float
    peak_rss_kb: int  # the render process's peak resident memory
    cpu_seconds: float = 0.0  # processor time of the layout (the wall time also counts a busy machine)


# --- the fetcher ---------------------------------------------------------------------------------------

_ASSET_BYTES: dict[str, bytes] = {}


def _asset(name: str) -> bytes:
    if name not in _ASSET_BYTES:
        _ASSET_BYTES[name] = ASSETS[name][0].read_bytes()
    return _ASSET_BYTES[name]


def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        """Serves the packaged report assets and refuses (and records) everything else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("https",), allow_redirects=False)
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            name = url[len(ASSET_BASE) :] if url.startswith(ASSET_BASE) else None
            if name is None or name not in ASSETS:
                self.refused.append(url[:300])
                raise ValueError("refused: not a packaged report asset")
            self.served.append(url)
            return URLFetcherResponse(url, _asset(name), {"Content-Type": ASSETS[name][1]})

        def __call__(self, url: str) -> Any:
            return self.fetch(url)

    return AssetFetcher


def new_fetcher() -> Any:
    return _fetcher_class()()


# --- HTML ----------------------------------------------------------------------------------------------


def html_for(data: report.ReportData) -> tuple[str, str]:
    """The report's HTML and print CSS, laid out from its values (in the report's own language)."""
    layout = LAYOUT[data.locale]
    with force_locale(data.locale):
        css = render_template("report/report.css", layout=layout, asset_base=ASSET_BASE)
        html = render_template(
            "report/report.html", report=data, layout=layout, decree30=report.DECREE30_TEXT
        )
    return html, css


def html_of(assessment: Assessment, locale: str, *, today: Any = None) -> tuple[str, str, report.ReportData]:
    """The report's HTML and print CSS in `locale`, and the values they show."""
    report.check_locale(locale)
    with force_locale(locale):
        data = report.build(assessment, today=today)
    html, css = html_for(data)
    return html, css, data


# --- rendering -----------------------------------------------------------------------------------------


def _write_pdf(html: str, css: str) -> tuple[bytes, list[str], list[str]]:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = new_fetcher()
    fonts = FontConfiguration()
    stylesheet = CSS(string=css, base_url=ASSET_BASE, url_fetcher=fetcher, font_config=fonts)
    document = HTML(string=html, base_url=ASSET_BASE, url_fetcher=fetcher)
    pdf = document.write_pdf(
        stylesheets=[stylesheet], font_config=fonts, pdf_variant=PDF_VARIANT, uncompressed_pdf=False
    )
    return bytes(pdf), fetcher.refused, fetcher.served


def _virtual_size() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: no baseline, the limit is the budget alone
        return 0


# The cyclic garbage collector of the render process. WeasyPrint allocates hundreds of thousands of small
# objects, and with Python's default thresholds a quarter of a render went into collections that scanned the
# whole heap inherited from the server (measured: 1.8–2.1 s → 1.4–1.5 s of processor time for the demo
# report). The child lives for one render and its address space is bounded (RLIMIT_AS), so it freezes what
# it inherited (never scanned again) and collects its own garbage rarely; reference counting frees the bulk.
CHILD_GC_THRESHOLD = (100_000, 50, 100)


def _child(connection: Any, html: str, css: str, memory_bytes: int) -> None:
    try:
        gc.freeze()
        gc.set_threshold(*CHILD_GC_THRESHOLD)
        if memory_bytes:
            limit = _virtual_size() + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        started, cpu_started = time.perf_counter(), time.process_time()
        pdf, refused, served = _write_pdf(html, css)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        connection.send_bytes(pickle.dumps(("ok", pdf, refused, served, seconds, peak, cpu)))
    except MemoryError:
        connection.send_bytes(pickle.dumps(("memory", "")))
    except BaseException as error:
        connection.send_bytes(pickle.dumps(("error", f"{type(error).__name__}: {error}"[:500])))
    finally:
        connection.close()


_WARMED: list[bool] = []


def _warm_up_css() -> str:
    """@font-face rules for every packaged font (and a class per face), for the warm-up line."""
    rules = []
    for index, name in enumerate(ASSETS):
        family, _dash, face = Path(name).stem.partition("-")
        family = family.replace("Liberation", "Liberation ")
        weight = "bold" if "Bold" in face else "normal"
        style = "italic" if "Italic" in face else "normal"
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("{ASSET_BASE}{name}"); font-weight: {weight}; '
            f'font-style: {style}; }} .f{index} {{ font-family: "{family}"; font-weight: {weight}; '
            f"font-style: {style}; }}"
        )
    return "\n".join(rules)


def _preload() -> None:
    """Import WeasyPrint (and its native libraries) before forking, and lay out one Vietnamese line in each
    packaged font once in this process: every render process is forked with fontconfig, Pango and HarfBuzz
    already initialised (measured: 0.05 s less per render). Our own constant text and fonts only."""
    import weasyprint
    import weasyprint.text.fonts  # noqa: F401

    if _WARMED:
        return
    _WARMED.append(True)
    line = "".join(f'<p class="f{index}">Chuyển đổi số — Độc lập</p>' for index in range(len(ASSETS)))
    _write_pdf(f"<html lang='vi'><body>{line}</body></html>", _warm_up_css())


@dataclass
class Limits:
    seconds: float = 60.0
    memory_mb: int = 768
    in_process: bool = field(default=False)  # for platforms without fork: no isolation, no limits


def limits() -> Limits:
    config = current_app.config
    return Limits(
        seconds=float(config.get("REPORT_RENDER_TIMEOUT", 60)),
        memory_mb=int(config.get("REPORT_RENDER_MEMORY_MB", 768)),
        in_process="fork" not in multiprocessing.get_all_start_methods(),
    )


def render(html: str, css: str, bounds: Limits | None = None) -> Rendered:
    """Lay out the HTML as a PDF in a child process bounded in time and memory."""
    bounds = bounds or Limits()
    if bounds.in_process:
        started, cpu_started = time.perf_counter(), time.process_time()
        pdf, refused, served = _write_pdf(html, css)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        return Rendered(pdf, tuple(refused), tuple(served), seconds, peak, cpu)
    _preload()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, html, css, bounds.memory_mb * 1024 * 1024))
    process.start()
    sender.close()
    try:
        if not receiver.poll(bounds.seconds):
            raise RenderFailed("timeout", f"{bounds.seconds:g} s")
        try:
            message = pickle.loads(receiver.recv_bytes())  # noqa: S301 (our own child's answer)
        except EOFError as error:  # the child died without a word: killed, most likely by the memory limit
            raise RenderFailed("memory", "the render process ended") from error
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if message[0] == "ok":
        _status, pdf, refused, served, seconds, peak, cpu = message
        return Rendered(pdf, tuple(refused), tuple(served), seconds, peak, cpu)
    raise RenderFailed(message[0], message[1])


def render_assessment(assessment: Assessment, locale: str, *, today: Any = None) -> Rendered:
    html, css, _data = html_of(assessment, locale, today=today)
    return render(html, css, limits())


def render_report(data: report.ReportData) -> bytes:
    """The PDF of the report (RenderFailed when the render is stopped): the PDF format's renderer."""
    html, css = html_for(data)
    rendered = render(html, css, limits())
    if rendered.refused:  # never expected: our templates reference only packaged assets
        log.warning("report %s: the fetcher refused %s", data.assessment_id, rendered.refused)
    return rendered.pdf
