/**
 * TextEncoder and TextDecoder for guests whose engine (QuickJS 2021-03-27) has
 * neither. UTF-8 only, as the Encoding Standard's TextEncoder always is; the
 * decoder follows the standard's UTF-8 decoder (https://encoding.spec.whatwg.org/
 * section 9.1.1): maximal subparts of bad sequences become one U+FFFD each, or a
 * TypeError with `fatal`, and `stream: true` keeps an incomplete sequence for the
 * next call. A leading BOM is dropped unless `ignoreBOM`.
 */

const REPLACEMENT = 0xfffd;

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // BMP, or a lone surrogate encoded as U+FFFD
  }
  return n;
}

/** Encodes `text` into `dest`; stops before a code point that does not fit whole. */
function encodeInto(text: string, dest: Uint8Array): { read: number; written: number } {
  let read = 0;
  let written = 0;
  while (read < text.length) {
    let cp = text.charCodeAt(read);
    let units = 1;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = read + 1 < text.length ? text.charCodeAt(read + 1) : 0;
      if (cp <= 0xdbff && (next & 0xfc00) === 0xdc00) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        units = 2;
      } else cp = REPLACEMENT; // lone surrogate (USVString conversion)
    }
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (written + size > dest.length) break;
    if (size === 1) dest[written] = cp;
    else if (size === 2) {
      dest[written] = 0xc0 | (cp >> 6);
      dest[written + 1] = 0x80 | (cp & 0x3f);
    } else if (size === 3) {
      dest[written] = 0xe0 | (cp >> 12);
      dest[written + 1] = 0x80 | ((cp >> 6) & 0x3f);
      dest[written + 2] = 0x80 | (cp & 0x3f);
    } else {
      dest[written] = 0xf0 | (cp >> 18);
      dest[written + 1] = 0x80 | ((cp >> 12) & 0x3f);
      dest[written + 2] = 0x80 | ((cp >> 6) & 0x3f);
      dest[written + 3] = 0x80 | (cp & 0x3f);
    }
    written += size;
    read += units;
  }
  return { read, written };
}

export class Utf8Encoder {
  get encoding(): string {
    return "utf-8";
  }

  encode(input = ""): Uint8Array {
    const text = String(input);
    const out = new Uint8Array(utf8Length(text));
    encodeInto(text, out);
    return out;
  }

  encodeInto(source: string, destination: Uint8Array): { read: number; written: number } {
    if (!(destination instanceof Uint8Array)) throw new TypeError("TextEncoder.encodeInto: destination must be a Uint8Array");
    return encodeInto(String(source), destination);
  }
}

const LABELS = new Set(["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"]);

type BufferSource = ArrayBuffer | ArrayBufferView;

function bytesOf(input: BufferSource | undefined): Uint8Array {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError("TextDecoder.decode: input must be an ArrayBuffer or a view of one");
}

export class Utf8Decoder {
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  // Decoder state across `stream: true` calls (the standard's "UTF-8 bytes needed/seen/bounds").
  private codePoint = 0;
  private needed = 0;
  private seen = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private bomSeen = false;

  constructor(label = "utf-8", options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    if (!LABELS.has(String(label).trim().toLowerCase())) throw new RangeError(`TextDecoder: unsupported encoding ${JSON.stringify(label)} (only UTF-8)`);
    this.fatal = Boolean(options.fatal);
    this.ignoreBOM = Boolean(options.ignoreBOM);
  }

  get encoding(): string {
    return "utf-8";
  }

  decode(input?: BufferSource, options: { stream?: boolean } = {}): string {
    const bytes = bytesOf(input);
    const out: number[] = [];
    let text = "";
    const emit = (cp: number): void => {
      out.push(cp);
      if (out.length >= 8192) flush();
    };
    const flush = (): void => {
      text += String.fromCodePoint(...out);
      out.length = 0;
    };
    const error = (): void => {
      if (this.fatal) {
        this.reset();
        throw new TypeError("TextDecoder: the input is not valid UTF-8");
      }
      emit(REPLACEMENT);
    };
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i]!;
      if (this.needed === 0) {
        i++;
        if (b < 0x80) emit(b);
        else if (b >= 0xc2 && b <= 0xdf) {
          this.needed = 1;
          this.codePoint = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) this.lower = 0xa0;
          if (b === 0xed) this.upper = 0x9f;
          this.needed = 2;
          this.codePoint = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) this.lower = 0x90;
          if (b === 0xf4) this.upper = 0x8f;
          this.needed = 3;
          this.codePoint = b & 0x7;
        } else error();
        continue;
      }
      if (b < this.lower || b > this.upper) {
        // The bad byte starts the next sequence: do not consume it (maximal subpart rule).
        this.clearSequence();
        error();
        continue;
      }
      i++;
      this.lower = 0x80;
      this.upper = 0xbf;
      this.codePoint = (this.codePoint << 6) | (b & 0x3f);
      if (++this.seen === this.needed) {
        const cp = this.codePoint;
        this.clearSequence();
        emit(cp);
      }
    }
    if (!options.stream) {
      if (this.needed !== 0) {
        this.clearSequence();
        error();
      }
    }
    flush();
    if (!this.ignoreBOM && !this.bomSeen && text.length > 0) {
      this.bomSeen = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (!options.stream) this.bomSeen = false;
    return text;
  }

  private clearSequence(): void {
    this.codePoint = 0;
    this.needed = 0;
    this.seen = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }

  private reset(): void {
    this.clearSequence();
    this.bomSeen = false;
  }
}
