"""Self-contained country reports from a workspace's stored results (HTML, or PDF printed by headless Chromium)."""

from __future__ import annotations

from ruralmig.reports.builder import ReportData, build_report, collect_report, render_html
from ruralmig.reports.pdf import CHROMIUM_PATH, html_to_pdf

__all__ = ["CHROMIUM_PATH", "ReportData", "build_report", "collect_report", "html_to_pdf", "render_html"]
