/** What a fetched secret gives a variable, and which parts of it the masker must hide. */
import { isSecretLike } from "../../drift/secret-like.js";
import type { Masker } from "../mask.js";
import type { Fetched } from "./aws.js";
import type { ParsedRef } from "./secret-refs.js";

/** Whether the fetched value gives the variable something (the JSON key, when one is named). */
export function judge(
  ref: Extract<ParsedRef, { kind: "secretsmanager" | "ssm" }>,
  fetched: Fetched,
): { resolves: "yes" | "no"; reason: string; value: string | null } {
  if (!fetched.ok) return { resolves: "no", reason: fetched.reason, value: null };
  if (fetched.value === null || fetched.value === "")
    return { resolves: "no", reason: "it exists but holds an empty value", value: null };
  if (ref.kind === "secretsmanager" && ref.jsonKey) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fetched.value);
    } catch {
      return {
        resolves: "no",
        reason: `the secret is not JSON, so it has no key "${ref.jsonKey}"`,
        value: null,
      };
    }
    const field =
      parsed && typeof parsed === "object"
        ? (parsed as Record<string, unknown>)[ref.jsonKey]
        : undefined;
    if (field === undefined) {
      const keys =
        parsed && typeof parsed === "object" ? Object.keys(parsed).slice(0, 10).join(", ") : "";
      return {
        resolves: "no",
        reason: `the secret has no JSON key "${ref.jsonKey}" (its keys: ${keys || "none"})`,
        value: null,
      };
    }
    const text = typeof field === "string" ? field : JSON.stringify(field);
    if (text === "")
      return { resolves: "no", reason: `the JSON key "${ref.jsonKey}" is empty`, value: null };
    return {
      resolves: "yes",
      reason: `the secret exists and its JSON key "${ref.jsonKey}" is set`,
      value: text,
    };
  }
  return {
    resolves: "yes",
    reason:
      ref.kind === "ssm"
        ? "the parameter exists and is not empty"
        : "the secret exists and is not empty",
    value: fetched.value,
  };
}

/**
 * Registers what a secret holds with the masker. doctor never prints a value; this is the second
 * line of defence (a library's error quoting one). A JSON secret's fields are registered when
 * their key or the variable looks secret (password, token…) or they are long: masking a short
 * companion such as a database name would blank out every mention of the project's name.
 */
export function registerSecret(masker: Masker, variable: string, value: string | null): void {
  if (value === null) return;
  let parsed: unknown;
  try {
    parsed = value.trim().startsWith("{") ? JSON.parse(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object") {
    if (isSecretLike(variable) || value.length >= 16) masker.add(value);
    return;
  }
  masker.add(value);
  for (const [key, field] of Object.entries(parsed)) {
    if (typeof field !== "string") continue;
    if (isSecretLike(key) || field.length >= 16) masker.add(field);
  }
}
