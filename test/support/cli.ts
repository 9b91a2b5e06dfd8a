import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a spawned modelgate process gets: PATH and HOME, then `env`. */
export function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Only what the CLI needs: a test must not pick up the developer's own configuration.
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "info", ...env };
}

/** Runs `modelgate ARGS` from the sources (tsx), as a separate process. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ENTRY, ...args], {
      cwd: ROOT,
      env: childEnv(env),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `modelgate serve` and waits for its "serving" log line. */
export function startServe(
  env: Record<string, string>,
  args: string[] = [],
): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ENTRY, "serve", ...args], {
      cwd: ROOT,
      env: childEnv({ PORT: "0", ...env }),
    });
    let stdout = "";
    let stderr = "";
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const timer = setTimeout(
      () => reject(new Error(`serve did not start:\n${stdout}\n${stderr}`)),
      30_000,
    );
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split("\n").find((l) => l.includes('"modelgate is serving"'));
      if (line) {
        clearTimeout(timer);
        const { url } = JSON.parse(line) as { url: string };
        resolve({
          child,
          url,
          stdout: () => stdout,
          stderr: () => stderr,
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

/** The key printed in the first-start banner. */
export function bannerKey(stderr: string): string | undefined {
  return /^\s+(hk_live_[0-9A-Za-z]+)\s*$/m.exec(stderr)?.[1];
}
