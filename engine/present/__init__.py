"""What people read: tables, Markdown, graphs (Mermaid, DOT) and the HTML report."""
