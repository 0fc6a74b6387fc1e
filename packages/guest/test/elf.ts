// A minimal ELF64 reader for the tests: header fields, program headers, notes.
import { readFileSync } from "node:fs";

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface Note {
  name: string;
  type: number;
  desc: Buffer;
}

export const PT_LOAD = 1;
export const PT_NOTE = 4;

export function readElf(path: string): { type: number; machine: number; entry: number; phdrs: ProgramHeader[]; notes: Note[] } {
  const b = readFileSync(path);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) throw new Error("not ELF64");
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  const phdrs: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    phdrs.push({
      type: b.readUInt32LE(o),
      flags: b.readUInt32LE(o + 4),
      offset: Number(b.readBigUInt64LE(o + 8)),
      vaddr: Number(b.readBigUInt64LE(o + 16)),
      filesz: Number(b.readBigUInt64LE(o + 32)),
      memsz: Number(b.readBigUInt64LE(o + 40)),
    });
  }
  const notes: Note[] = [];
  for (const ph of phdrs.filter((p) => p.type === PT_NOTE)) {
    let o = ph.offset;
    const end = ph.offset + ph.filesz;
    while (o + 12 <= end) {
      const namesz = b.readUInt32LE(o);
      const descsz = b.readUInt32LE(o + 4);
      const type = b.readUInt32LE(o + 8);
      const name = b.subarray(o + 12, o + 12 + namesz).toString("latin1").replace(/\0+$/, "");
      const descAt = o + 12 + ((namesz + 3) & ~3);
      notes.push({ name, type, desc: b.subarray(descAt, descAt + descsz) });
      o = descAt + ((descsz + 3) & ~3);
    }
  }
  return { type: b.readUInt16LE(16), machine: b.readUInt16LE(18), entry: Number(b.readBigUInt64LE(24)), phdrs, notes };
}
