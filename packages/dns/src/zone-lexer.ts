/**
 * Master-file lexing (RFC 1035 section 5.1): splits text into entries, one per
 * logical line (parentheses join physical lines), each a list of tokens. Comments
 * run from `;` to the end of the line; quotes group text with blanks; `\X` and
 * `\DDD` escapes are kept raw in the token for the field parser to interpret.
 */

export interface Token {
  /** The token's text with quotes removed and escapes still raw. */
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
}

export interface Entry {
  readonly line: number;
  /** The entry's first line began with a blank: the owner is omitted (the previous one). */
  readonly ownerOmitted: boolean;
  readonly tokens: Token[];
}

export interface LexError {
  readonly line: number;
  readonly message: string;
}

function isBlank(c: string): boolean {
  return c === " " || c === "\t" || c === "\r";
}

function isDelimiter(c: string): boolean {
  return isBlank(c) || c === "\n" || c === ";" || c === "(" || c === ")" || c === '"';
}

export function lexZone(text: string): { entries: Entry[]; errors: LexError[] } {
  const entries: Entry[] = [];
  const errors: LexError[] = [];
  let cur: Entry | undefined;
  let poisoned = false;
  let depth = 0;
  let depthLine = 0;
  let line = 1;
  let lineStartsBlank = false;
  let atLineStart = true;
  const n = text.length;
  const start = (): Entry => {
    if (!cur) cur = { line, ownerOmitted: lineStartsBlank, tokens: [] };
    return cur;
  };
  const finish = (): void => {
    if (cur && cur.tokens.length > 0 && !poisoned) entries.push(cur);
    cur = undefined;
    poisoned = false;
  };
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (atLineStart) {
      atLineStart = false;
      if (depth === 0) lineStartsBlank = isBlank(c);
    }
    if (c === "\n") {
      line++;
      atLineStart = true;
      if (depth === 0) finish();
      i++;
    } else if (isBlank(c)) {
      i++;
    } else if (c === ";") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "(") {
      start();
      if (depth === 0) depthLine = line;
      depth++;
      i++;
    } else if (c === ")") {
      if (depth === 0) errors.push({ line, message: "')' without '('" });
      else depth--;
      i++;
    } else if (c === '"') {
      const tokLine = line;
      let j = i + 1;
      let raw = "";
      let closed = false;
      while (j < n) {
        const d = text[j]!;
        if (d === "\\" && j + 1 < n && text[j + 1] !== "\n") {
          raw += d + text[j + 1];
          j += 2;
        } else if (d === '"') {
          closed = true;
          j++;
          break;
        } else if (d === "\n") {
          break;
        } else {
          raw += d;
          j++;
        }
      }
      if (!closed) {
        errors.push({ line: tokLine, message: "unterminated quoted string" });
        // Drop the whole entry: its remaining fields cannot be trusted.
        start();
        poisoned = true;
        i = j;
        continue;
      }
      start().tokens.push({ text: raw, quoted: true, line: tokLine });
      i = j;
    } else {
      let j = i;
      let raw = "";
      while (j < n) {
        const d = text[j]!;
        if (d === "\\" && j + 1 < n && text[j + 1] !== "\n") {
          raw += d + text[j + 1];
          j += 2;
        } else if (isDelimiter(d)) break;
        else {
          raw += d;
          j++;
        }
      }
      if (j === i) {
        // A lone backslash before a newline or at the end of input.
        raw = "\\";
        j = i + 1;
      }
      start().tokens.push({ text: raw, quoted: false, line });
      i = j;
    }
  }
  if (depth > 0) {
    errors.push({ line: depthLine, message: "'(' not closed before the end of the file" });
    cur = undefined;
  }
  finish();
  return { entries, errors };
}
