from pathlib import Path

extensions = ["myst_parser", "sphinx_design", "protocol_checks.sphinxext"]
myst_enable_extensions = ["colon_fence"]
protocol_examples_dir = str(Path(__file__).resolve().parent / "examples")
protocol_document = {"title": "t", "reference": "r", "status": "s", "author": "a", "owner": "o",
                     "approved_by": "c", "date_approved": "2026-01-01",
                     "next_review": "2099-01-01", "supersedes": "none"}
