// Errors meant for the user of the CLI: printed as one line, no stack.
/** An error whose message is all the user needs; main prints it without a stack and exits 1 (or `code`). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}
