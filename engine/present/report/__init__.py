"""Reports: the same result as a terminal table, Markdown, or JSON."""

from engine.present.report.text import compare_table, render_markdown, render_table

__all__ = ["render_table", "render_markdown", "compare_table"]
