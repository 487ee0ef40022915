"""What benchguard shows: comparison tables, the check's and the report command's text, JSON
and Markdown, history, plots, targets and profiles."""
