/**
 * UTF-8 without host globals: `TextEncoder`/`TextDecoder` are Web APIs, not
 * ECMAScript, so pure code uses these. Invalid input decodes to U+FFFD, as
 * TextDecoder does by default.
 */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    let c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

export function utf8Decode(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const need = b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : 0;
    // WHATWG Encoding, "UTF-8 decoder": the second byte's range depends on the first,
    // which rules out overlong forms, surrogates and code points above U+10FFFF.
    const lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    let c = b & (0x3f >> need);
    let j = 1;
    for (; need > 0 && j <= need; j++) {
      const cont = bytes[i + j];
      const lo = j === 1 ? lower : 0x80;
      const hi = j === 1 ? upper : 0xbf;
      if (cont === undefined || cont < lo || cont > hi) break;
      c = (c << 6) | (cont & 0x3f);
    }
    if (need === 0 || j <= need) {
      // An invalid lead byte, or a sequence cut short: one U+FFFD for the maximal subpart.
      out += "\ufffd";
      i += need === 0 ? 1 : j;
      continue;
    }
    out += String.fromCodePoint(c);
    i += need + 1;
  }
  return out;
}
