"""Developer scripts: run them as `python -m scripts.<name>`."""
