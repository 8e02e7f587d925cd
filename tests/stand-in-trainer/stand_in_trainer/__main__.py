"""`python -m stand_in_trainer COMMAND ...`: the trainer's command line. `train`, `infer` and `embed` are
stood in; the others (`synth`, `evaluate`, `export`) learn nothing anyway and run as the real trainer's."""
import sys

from pomona_trainer import cli

from . import embed, infer, train

COMMANDS = {"train": train.run, "infer": infer.run, "embed": embed.run}


def main(argv=None) -> int:
    args = cli.build_parser().parse_args(argv)
    if args.command not in COMMANDS:
        return cli.main(argv)
    return cli.run_guarded(args.command, lambda: COMMANDS[args.command](args))


if __name__ == "__main__":
    sys.exit(main())
