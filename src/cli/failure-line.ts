import { ToolgateError } from '../errors/toolgate-error.js';

/**
 * The one line a command that failed prints instead of a stack (bad config, an unreachable or
 * unreadable database). A store failure's message is the one a model's caller sees ("cannot
 * record this call"); at the terminal its detail says what actually went wrong.
 */
export function failureLine(error: unknown): string {
  const said =
    error instanceof ToolgateError
      ? (error.detail ?? error.message)
      : error instanceof Error
        ? error.message
        : String(error);
  return `toolgate: ${said}`;
}
