/**
 * An error caused by the user's input (a file, a flag, a config field). The CLI prints its
 * message on one line and exits with code 2, without a stack trace.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
