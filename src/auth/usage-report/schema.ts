/** The `usage_reports` object of GET /health (a response schema is also its filter). */
import { Type } from "typebox";

const Count = Type.Integer({ minimum: 0 });

export const UsageReportsSchema = Type.Object(
  {
    sent: Type.Integer({ minimum: 0, description: "Reports the auth service accepted." }),
    retried: Type.Integer({ minimum: 0, description: "Sends that failed and were queued again." }),
    dropped: Type.Integer({
      minimum: 0,
      description: "Reports that will never be sent: the sum of the dropped_* counts.",
    }),
    queued: Type.Integer({ minimum: 0, description: "Reports waiting in the queue now." }),
    in_flight: Count,
    dropped_queue_full: Type.Integer({
      minimum: 0,
      description: "The oldest reports pushed out of a full queue (USAGE_REPORT_QUEUE_MAX).",
    }),
    dropped_after_retries: Type.Integer({
      minimum: 0,
      description: "Reports answered with a 5xx more than USAGE_REPORT_RETRIES times.",
    }),
    dropped_refused: Type.Integer({
      minimum: 0,
      description: "Reports the service refused with a 4xx (sending them again cannot help).",
    }),
    dropped_at_shutdown: Count,
    last_error: Type.Union([Type.String(), Type.Null()]),
    debits: Type.Optional(
      Type.Object({
        accepted: Count,
        refused: Type.Integer({ minimum: 0, description: "402 insufficient_balance answers." }),
        unavailable: Type.Integer({
          minimum: 0,
          description: "Debits that could not be made (down, slow, failing).",
        }),
        served_unpaid: Type.Integer({
          minimum: 0,
          description: "Predictions served without a debit (USAGE_DEBIT_FAIL_OPEN=true).",
        }),
      }),
    ),
  },
  { description: "Usage reports to the external auth service (AUTH_SERVICE_URL), since start." },
);
