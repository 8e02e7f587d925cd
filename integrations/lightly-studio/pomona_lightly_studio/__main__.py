"""`python -m pomona_lightly_studio push --plan FILE`: prints one JSON line of counts on stdout; exit 2
with `error: ...` on stderr for a plan that cannot be pushed.
`python -m pomona_lightly_studio deduplicate --embeddings CSV --min-distance D --out JSON`: the pool images
LightlyStudio's deduplication keeps (deduplication.py), written as {"minDistance", "rows", "kept": [file names]}.
`python -m pomona_lightly_studio gui --db-file F --port N`: LightlyStudio's own `gui` command on 127.0.0.1,
no browser (run through this module because the venv's console scripts name the path it was made under).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# LightlyStudio starts its analytics when it is imported; nothing leaves this machine.
os.environ.setdefault("LIGHTLY_STUDIO_ANALYTICS_ENABLED", "false")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pomona_lightly_studio")
    commands = parser.add_subparsers(dest="command", required=True)
    push_command = commands.add_parser("push", help="push a project's plan into its LightlyStudio dataset")
    push_command.add_argument("--plan", type=Path, required=True)
    gui_command = commands.add_parser("gui", help="LightlyStudio's GUI on a dataset file")
    gui_command.add_argument("--db-file", type=Path, required=True)
    gui_command.add_argument("--port", type=int, required=True)
    dedup_command = commands.add_parser("deduplicate", help="the images LightlyStudio's deduplication keeps")
    dedup_command.add_argument("--embeddings", type=Path, required=True)
    dedup_command.add_argument("--min-distance", type=float, required=True)
    dedup_command.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "deduplicate":
        return deduplicate(args.embeddings, args.min_distance, args.out)

    if args.command == "gui":
        from lightly_studio.cli import main as lightly_studio_cli

        gui_args = ["gui", "--db-file", str(args.db_file), "--host", "127.0.0.1", "--port", str(args.port)]
        return lightly_studio_cli([*gui_args, "--no-browser"], standalone_mode=True)

    from .plan import read_plan
    from .push import push

    try:
        plan = read_plan(args.plan)
    except (OSError, KeyError, ValueError) as err:
        print(f"error: {args.plan}: {err}", file=sys.stderr)
        return 2
    try:
        summary = push(plan)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(summary), flush=True)
    return 0


def deduplicate(embeddings: Path, minimum_distance: float, out: Path) -> int:
    from .deduplication import kept_rows, read_vectors

    if not minimum_distance > 0:
        print(f"error: --min-distance must be above 0, not {minimum_distance}", file=sys.stderr)
        return 2
    try:
        names, vectors = read_vectors(embeddings)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    kept = [names[i] for i in kept_rows(vectors, minimum_distance)]
    result = {"minDistance": minimum_distance, "rows": len(names), "kept": kept}
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(result) + "\n", encoding="utf-8")
    tmp.replace(out)
    print(json.dumps({"rows": len(names), "kept": len(kept)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
