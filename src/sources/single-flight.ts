/**
 * Concurrent callers asking for the same thing share one run: a hundred first requests for a
 * cold model cause one resolution and one download. Only runs in progress are held; the result
 * is not remembered (the disk cache is the memory).
 *
 * A caller may pass an AbortSignal: when it fires, that caller's wait ends at once
 * (SourceAbortedError). The shared run itself is aborted only when every caller still waiting
 * has given up — one impatient caller never cancels the download the others wait for.
 */
import { SourceAbortedError } from "./limits.js";
import type { ProgressEvent } from "./types.js";

type Listener = (event: ProgressEvent) => void;

interface Flight {
  promise: Promise<unknown>;
  listeners: Set<Listener>;
  controller: AbortController;
  /** Callers still waiting (a caller without a signal waits for good). */
  waiting: number;
}

const flights = new Map<string, Flight>();

/** This caller's view of the flight: the shared result, or its own abort. */
function join<T>(flight: Flight, signal: AbortSignal | undefined): Promise<T> {
  flight.waiting += 1;
  const shared = flight.promise as Promise<T>;
  if (!signal) return shared;
  if (signal.aborted) {
    giveUp(flight, signal);
    return Promise.reject(new SourceAbortedError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      giveUp(flight, signal);
      reject(new SourceAbortedError(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function giveUp(flight: Flight, signal: AbortSignal): void {
  flight.waiting -= 1;
  if (flight.waiting === 0) flight.controller.abort(signal.reason);
}

/**
 * Runs `run` unless a run under `key` is in progress, in which case its result is shared.
 * Progress events reach every caller that passed a listener; `run` gets the shared signal.
 */
export function singleFlight<T>(
  key: string,
  run: (emit: Listener, signal: AbortSignal) => Promise<T>,
  listener?: Listener,
  signal?: AbortSignal,
): Promise<T> {
  const existing = flights.get(key);
  if (existing) {
    if (listener) existing.listeners.add(listener);
    return join<T>(existing, signal);
  }
  const listeners = new Set<Listener>(listener ? [listener] : []);
  const emit: Listener = (event) => {
    for (const l of listeners) l(event);
  };
  const controller = new AbortController();
  // `then` starts the run after the flight is registered, even if `run` fails synchronously.
  const promise = Promise.resolve()
    .then(() => run(emit, controller.signal))
    .finally(() => flights.delete(key));
  // Every caller may have given up: the run's own failure is then nobody's to handle.
  promise.catch(() => undefined);
  const flight: Flight = { promise, listeners, controller, waiting: 0 };
  flights.set(key, flight);
  return join<T>(flight, signal);
}

/** How many runs are in progress (tests check nothing is left behind). */
export function flightsInProgress(): number {
  return flights.size;
}
