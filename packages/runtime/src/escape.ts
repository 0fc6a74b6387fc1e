/**
 * Makes untrusted text safe to put on one console line. Log messages, boot argument
 * values and error messages can carry bytes from the network or the command line;
 * escaping C0/C1 controls (except tab) means they cannot start a new, forged line or
 * drive the terminal with escape sequences.
 */

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

function escapeChar(ch: string): string {
  switch (ch) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    default: {
      const code = ch.charCodeAt(0);
      return "\\x" + code.toString(16).padStart(2, "0");
    }
  }
}

/** Replaces control characters (except tab) with visible escapes such as `\n`, `\x1b`. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/** Quotes a value for an error message: `'abc'`, with controls escaped. */
export function quote(value: string): string {
  return "'" + escapeControl(value) + "'";
}
