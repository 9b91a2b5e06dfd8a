/**
 * Hugging Face repository ids and revisions, validated as the Hub validates them, so a typo is
 * refused at registration instead of becoming a 404 at the first prediction.
 */

/** The Hub's own rule (huggingface_hub `validate_repo_id`): word characters, "-", "." and "_". */
const NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;

export const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** Why `owner/repo` is not a valid Hub repository id, or null when it is. */
export function repoIdProblem(repo: string): string | null {
  const parts = repo.split("/");
  if (parts.length !== 2) return `"${repo}" is not of the form owner/repo`;
  for (const part of parts) {
    if (!NAME.test(part)) {
      return `"${part}" must be 1–96 letters, digits, "_", "-" or ".", starting and ending with a letter, digit or "_"`;
    }
    if (part.includes("--") || part.includes("..")) return `"${part}" may not contain "--" or ".."`;
  }
  if (repo.endsWith(".git")) return `"${repo}" must not end with ".git"`;
  return null;
}

/** Why a branch or tag name is not a valid git ref (git check-ref-format), or null. */
export function revisionProblem(revision: string): string | null {
  if (revision.length === 0 || revision.length > 255) return "must be 1–255 characters";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(revision)) {
    return "may not contain spaces, control characters or any of ~ ^ : ? * [ \\";
  }
  if (revision.includes("..") || revision.includes("@{") || revision === "@") {
    return 'may not contain ".." or "@{"';
  }
  if (revision.startsWith("/") || revision.endsWith("/") || revision.includes("//")) {
    return 'may not start or end with "/", nor hold "//"';
  }
  if (revision.endsWith(".")) return 'may not end with "."';
  for (const part of revision.split("/")) {
    if (part.startsWith(".") || part.endsWith(".lock")) {
      return 'no part may start with "." or end with ".lock"';
    }
  }
  return null;
}

/** `hf://owner/repo@rev` as written by people and stored. */
export function formatHfSource(repo: string, revision: string | null): string {
  return `hf://${repo}${revision ? `@${revision}` : ""}`;
}
