import { gzipSync } from "node:zlib";

export interface TarSpec {
  path: string;
  /** "pax" and "longname": a metadata entry whose content is written as given. */
  type?: "file" | "directory" | "symlink" | "hardlink" | "pax" | "longname";
  content?: Buffer | string;
  linkname?: string;
  /** The size the header claims, when it must differ from the content's (a lying header). */
  claimedSize?: number;
  /** Stop after this entry's header: nothing of its content follows (for lying headers). */
  headerOnly?: boolean;
}

function header(name: string, size: number, type: string, linkname = ""): Buffer {
  const block = Buffer.alloc(512);
  block.write(name.slice(0, 100), 0, "utf8");
  block.write("0000644\0", 100);
  block.write("0000000\0", 108);
  block.write("0000000\0", 116);
  block.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  block.write("00000000000\0", 136);
  block.write("        ", 148);
  block.write(type, 156);
  block.write(linkname, 157);
  block.write("ustar\0", 257);
  block.write("00", 263);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return block;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

/**
 * A tar archive written by hand, so tests can build archives no well-behaved tool would (paths
 * with "..", symlinks). Names longer than 100 bytes get a pax header, as GNU tar writes them.
 */
export function tarOf(entries: TarSpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const content = Buffer.from(e.content ?? "");
    if (Buffer.byteLength(e.path) > 100) {
      const record = (n: number) => `${n} path=${e.path}\n`;
      let len = record(0).length;
      while (record(len).length !== len) len = record(len).length;
      const pax = Buffer.from(record(len));
      blocks.push(header("././@PaxHeader", pax.length, "x"), pad(pax));
    }
    const type = {
      file: "0",
      directory: "5",
      symlink: "2",
      hardlink: "1",
      pax: "x",
      longname: "L",
    }[e.type ?? "file"];
    const hasContent = e.type === undefined || ["file", "pax", "longname"].includes(e.type);
    const size = hasContent ? content.length : 0;
    blocks.push(header(e.path, e.claimedSize ?? size, type, e.linkname));
    if (e.headerOnly) return Buffer.concat(blocks);
    if (size > 0) blocks.push(pad(content));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function tarGzOf(entries: TarSpec[]): Buffer {
  return gzipSync(tarOf(entries));
}
