/**
 * Runs one probe under its timeout. A probe that throws or overruns becomes a `failed` outcome
 * saying why; it never stops the investigation. Every string it returns is masked here.
 */
import type { Masker } from "./mask.js";
import type { ProbeOutcome, ProbeState, Step } from "./types.js";

/** What a probe returns; `runProbe` adds its id, title, timing and masking. */
export interface ProbeBody<T> {
  state: ProbeState;
  summary: string;
  details?: string[];
  commands?: string[];
  data?: T;
}

export interface ProbeSpec<T> {
  id: string;
  step: Step;
  title: string;
  timeoutMs: number;
  /**
   * Extra time past `timeoutMs` before the probe is abandoned: for probes that enforce the
   * timeout themselves (a TCP connection says which stage it was in), so their own sentence wins.
   */
  graceMs?: number;
  run(signal: AbortSignal): Promise<ProbeBody<T>>;
}

export function skipped<T>(summary: string, details: string[] = []): ProbeBody<T> {
  return { state: "skipped", summary, details };
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export async function runProbe<T>(spec: ProbeSpec<T>, masker: Masker): Promise<ProbeOutcome<T>> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<ProbeBody<T>>((resolve) => {
    timer = setTimeout(
      () => {
        controller.abort();
        resolve({
          state: "failed",
          summary: `Did not finish within ${seconds(spec.timeoutMs)} (the probe's timeout, --timeout): nothing can be concluded from it.`,
        });
      },
      spec.timeoutMs + (spec.graceMs ?? 0),
    );
    timer.unref?.();
  });
  let body: ProbeBody<T>;
  try {
    body = await Promise.race([spec.run(controller.signal), overrun]);
  } catch (err) {
    body = {
      state: "failed",
      summary: `Could not run: ${errorText(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
  const outcome: ProbeOutcome<T> = {
    id: spec.id,
    step: spec.step,
    title: masker.mask(spec.title),
    state: body.state,
    summary: masker.mask(body.summary),
    details: (body.details ?? []).map((d) => masker.mask(d)),
    commands: (body.commands ?? []).map((c) => masker.mask(c)),
    ms: Math.round(performance.now() - started),
    timeoutMs: spec.timeoutMs,
  };
  if (body.data !== undefined) outcome.data = masker.maskDeep(body.data);
  return outcome;
}
