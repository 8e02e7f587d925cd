"""`python -m pomona_lightly_studio push --plan FILE`: prints one JSON line of counts on stdout; exit 2
with `error: ...` on stderr for a plan that cannot be pushed.
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
    args = parser.parse_args(argv)

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


if __name__ == "__main__":
    sys.exit(main())
