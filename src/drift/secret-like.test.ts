import { describe, expect, it } from "vitest";
import { isSecretLike } from "./secret-like.js";

describe("secret-like names", () => {
  it.each([
    ["HUGGINGFACE_API_KEY", true],
    ["REDIS_AUTH_TOKEN", true],
    ["DATABASE_PASSWORD", true],
    ["DB_PASSWD", true],
    ["MYSQL_PWD", true],
    ["STRIPE_SECRET", true],
    ["OPENAI_APIKEY", true],
    ["GCP_CREDENTIALS", true],
    ["PRIVATE_KEY_PEM", true],
    ["AUTH_SERVICE_URL", false],
    ["SECRET_KEY_ID", false],
    ["API_KEY_NAME", false],
    ["GOOGLE_APPLICATION_CREDENTIALS_FILE", false],
    ["TOKEN_ENDPOINT_TIMEOUT", false],
    ["KEYCLOAK_HOST", false],
    ["MONKEY_BUSINESS", false],
    ["PORT", false],
  ])("%s → %s", (name, expected) => {
    expect(isSecretLike(name)).toBe(expected);
  });
});
