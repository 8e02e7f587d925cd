"""pomona's project in LightlyStudio: run by LightlyStudio's own environment (.tools/lightly-studio/venv)."""
