/**
 * Concurrent callers asking for the same thing share one run: a hundred first requests for a
 * cold model cause one resolution and one download. Only runs in progress are held; the result
 * is not remembered (the disk cache is the memory).
 */
import type { ProgressEvent } from "./types.js";

type Listener = (event: ProgressEvent) => void;

interface Flight {
  promise: Promise<unknown>;
  listeners: Set<Listener>;
}

const flights = new Map<string, Flight>();

/**
 * Runs `run` unless a run under `key` is in progress, in which case its result is shared.
 * Progress events reach every caller that passed a listener.
 */
export function singleFlight<T>(
  key: string,
  run: (emit: Listener) => Promise<T>,
  listener?: Listener,
): Promise<T> {
  const existing = flights.get(key);
  if (existing) {
    if (listener) existing.listeners.add(listener);
    return existing.promise as Promise<T>;
  }
  const listeners = new Set<Listener>(listener ? [listener] : []);
  const emit: Listener = (event) => {
    for (const l of listeners) l(event);
  };
  // `then` starts the run after the flight is registered, even if `run` fails synchronously.
  const promise = Promise.resolve()
    .then(() => run(emit))
    .finally(() => flights.delete(key));
  flights.set(key, { promise, listeners });
  return promise;
}

/** How many runs are in progress (tests check nothing is left behind). */
export function flightsInProgress(): number {
  return flights.size;
}
