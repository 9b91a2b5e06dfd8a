import { pino } from "pino";
import type { DestinationStream } from "pino";

export interface LogBlockOptions {
  /** File descriptor the lines go to (1: stdout). */
  fd: number;
  /** Bytes of a block: it is handed to the writer once the next line might not fit. */
  blockBytes: number;
  /** ...or once its oldest line has waited this long. */
  flushMs: number;
}

export interface LogBlocks extends DestinationStream {
  /** Hands what is gathered to the writer (which writes it at once, off the event loop). */
  flush(cb?: (err?: Error | null) => void): void;
  /** Writes everything gathered and buffered, synchronously, from now on (on the way out). */
  flushSync(): void;
}

/**
 * Log lines gathered into blocks of bytes in front of sonic-boom, which writes each block in
 * one asynchronous write off the event loop.
 *
 * Each line is encoded into the current block as it arrives and its string is garbage at once.
 * Held as strings until a block was full, the lines (trees of the pieces pino joins) outlived
 * two or three minor GCs at 30,000 requests a second, so each was copied and then promoted to
 * the old generation, which grew by tens of megabytes a second and set the server's peak RSS
 * (bench/memory.mjs). Not sonic-boom's own `minLength`: it appends each line to one growing
 * string and measures that whole string's UTF-8 length again on every line.
 *
 * What is gathered when the process exits is written synchronously on its way out; a crash
 * that kills the process outright (SIGKILL, OOM killer) loses at most `flushMs` of lines.
 */
export function logBlocks(options: LogBlockOptions): LogBlocks {
  // In "buffer" mode sonic-boom takes Buffers (its typings name strings only); `sync` is the
  // option it reads on each write, switched on for the last, synchronous writes.
  const writer = pino.destination({
    dest: options.fd,
    sync: false,
    minLength: 0,
    contentMode: "buffer",
  }) as unknown as {
    sync: boolean;
    write(bytes: Buffer): boolean;
    flush(cb?: (err?: Error) => unknown): void;
    flushSync(): void;
  };
  const size = options.blockBytes;
  let block = Buffer.allocUnsafeSlow(size);
  let used = 0;

  function handOver(): void {
    if (used === 0) return;
    // The writer keeps the block until it is written: the next lines go to a new one.
    writer.write(block.subarray(0, used));
    block = Buffer.allocUnsafeSlow(size);
    used = 0;
  }

  function writeAllSync(): void {
    writer.sync = true;
    handOver();
    writer.flushSync();
  }

  const timer = setInterval(handOver, options.flushMs);
  timer.unref();
  process.once("exit", () => {
    clearInterval(timer);
    writeAllSync();
  });

  return {
    write(line: string): boolean {
      // A UTF-16 code unit takes at most 3 bytes in UTF-8.
      const most = line.length * 3;
      if (used + most > size) {
        handOver();
        if (most > size) {
          writer.write(Buffer.from(line, "utf8"));
          return true;
        }
      }
      used += block.write(line, used, "utf8");
      return true;
    },
    flush(cb) {
      handOver();
      writer.flush(cb);
    },
    flushSync: writeAllSync,
  };
}
