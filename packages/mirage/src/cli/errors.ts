/** An error the CLI reports as one "mirage: ..." message and exit status 1, without a stack. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}
