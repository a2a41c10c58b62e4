import { ToolgateError } from '../errors/toolgate-error.js';

/**
 * What went wrong, for a terminal. A store failure's message is the one a model's caller sees
 * ("cannot record this call"); its detail says what actually happened (the file, the server).
 */
export function whatWentWrong(error: unknown): string {
  if (error instanceof ToolgateError) return error.detail ?? error.message;
  return error instanceof Error ? error.message : String(error);
}

/** The one line a command that failed prints instead of a stack (bad config, an unreadable database). */
export function failureLine(error: unknown): string {
  return `toolgate: ${whatWentWrong(error)}`;
}
