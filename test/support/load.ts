/**
 * Steady load for fault tests: a few workers, each sending its next request when the last one
 * is answered, recording every answer. A request that gets no answer within `hangMs` is
 * aborted and counted as hung: the failure these tests exist to catch.
 */

export interface LoadAnswer {
  status: number;
  code: string | undefined;
  detail: string | undefined;
  requestId: string;
  /** When the request was sent (Date.now()). */
  sentAt: number;
  ms: number;
}

export interface Load {
  readonly answers: readonly LoadAnswer[];
  /** Requests aborted after `hangMs` without an answer. */
  readonly hung: number;
  /** Answers received after `since` (by send time). */
  after(since: number): LoadAnswer[];
  /** Resolves once `n` more answers have arrived (or `timeoutMs` passed). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startLoad(
  send: (signal: AbortSignal) => Promise<Response>,
  options: { workers?: number; hangMs?: number } = {},
): Load {
  const answers: LoadAnswer[] = [];
  let hung = 0;
  let stopped = false;

  async function worker(): Promise<void> {
    while (!stopped) {
      const sentAt = Date.now();
      try {
        const res = await send(AbortSignal.timeout(options.hangMs ?? 10_000));
        const body = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
        answers.push({
          status: res.status,
          code: body.code,
          detail: body.detail,
          requestId: res.headers.get("x-request-id") ?? "",
          sentAt,
          ms: Date.now() - sentAt,
        });
      } catch (err) {
        if (err instanceof Error && err.name === "TimeoutError") hung += 1;
        else await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  const workers = Array.from({ length: options.workers ?? 4 }, () => worker());
  return {
    answers,
    get hung() {
      return hung;
    },
    after: (since) => answers.filter((a) => a.sentAt >= since),
    async waitFor(n, timeoutMs = 20_000) {
      const target = answers.length + n;
      const deadline = Date.now() + timeoutMs;
      while (answers.length < target && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}
