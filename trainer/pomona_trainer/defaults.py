"""The trainer's defaults, kept in defaults.json: read here for the command line, and by the loop's config
schema (core/config/trainer-defaults.ts), so that each default is defined once."""
import json
from pathlib import Path

_ALL = json.loads(Path(__file__).with_name("defaults.json").read_text())
TRAIN: dict = _ALL["train"]
INFER: dict = _ALL["infer"]
EMBED: dict = _ALL["embed"]
