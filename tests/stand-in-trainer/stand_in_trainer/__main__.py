"""`python -m stand_in_trainer COMMAND ...`: the trainer's command line. `train`, `infer` and `embed` are
stood in; the others (`synth`, `evaluate`, `export`) learn nothing anyway and run as the real trainer's."""
import sys

from pomona_trainer import cli, interrupt
from pomona_trainer.errors import InputError, Interrupted

from . import embed, infer, train

COMMANDS = {"train": train.run, "infer": infer.run, "embed": embed.run}


def main(argv=None) -> int:
    args = cli.build_parser().parse_args(argv)
    if args.command not in COMMANDS:
        return cli.main(argv)
    interrupt.install()
    try:
        return COMMANDS[args.command](args)
    except InputError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    except Interrupted as stop:
        sys.stderr.write(f"{args.command}: stopped by signal\n")
        return stop.exit_code


if __name__ == "__main__":
    sys.exit(main())
