export const SCOPES = ["predict", "models:read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The authenticated caller, as every route sees it. */
export interface Principal {
  keyId: string;
  keyName: string;
  userId: string;
  scopes: readonly Scope[];
  /**
   * External auth service only: every scope the service named, as it named them (modelgate's
   * and the ones it does not know, which grant nothing here). Logged with each request.
   */
  serviceScopes?: readonly string[];
  /** null: every model. */
  modelIds: readonly string[] | null;
}

/** `admin` implies every other scope. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes("admin");
}

export function mayUseModel(principal: Principal, modelId: string): boolean {
  return principal.modelIds === null || principal.modelIds.includes(modelId);
}
