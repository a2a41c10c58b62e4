import { ToolgateError } from '../errors/toolgate-error.js';
import { jsonTroubleOf } from '../util/json-trouble.js';
import { boundText } from '../util/size.js';
import type { CallState } from './state.js';

/** Longest text a thrown non-Error is logged as. */
const THROWN_CHARS = 200;

export interface FailureLog {
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/**
 * What the log says about a call that failed as `internal`, beyond the error itself (outside
 * probe: `throw undefined` logged "tool call failed" and nothing else; a circular or BigInt result
 * logged a RangeError from deep in the untrusted guard, or JSON's "serialize a BigInt", naming
 * neither the tool's field nor the cause). Runs only on a failure, never on a call that succeeds.
 */
export function internalFailureLog(thrown: unknown, state: CallState): FailureLog {
  if (!(thrown instanceof Error)) {
    const shown = boundText(shownAsThrown(thrown), THROWN_CHARS);
    return {
      fields: { thrown: shown, thrownType: thrown === null ? 'null' : typeof thrown },
      message: `tool call failed: ${shown} was thrown, not an Error (throw an Error, or a ToolgateError to choose the code)`,
    };
  }
  // Only for an error no stage of ours raised: a schema break (a ToolgateError) says what it is, and
  // the raw output may hold what validate-output would have dropped.
  const trouble = state.output === undefined || thrown instanceof ToolgateError ? null : troubleIn(state.output);
  return {
    fields: { err: thrown, ...(trouble ? { result: trouble } : {}) },
    message: trouble ? `tool call failed: its result cannot be sent as JSON: ${trouble}` : 'tool call failed',
  };
}

/** A thrown value as JSON where it has one (a string quoted, an object's fields), else as String gives it. */
function shownAsThrown(thrown: unknown): string {
  try {
    return (
      (typeof thrown === 'object' || typeof thrown === 'string' ? JSON.stringify(thrown) : undefined) ?? String(thrown)
    );
  } catch {
    return String(thrown);
  }
}

/** jsonTroubleOf, or what stopped it: a toJSON that throws must not turn a logged failure into a crash. */
function troubleIn(output: unknown): string | null {
  try {
    return jsonTroubleOf(output);
  } catch (thrown) {
    return `a toJSON that throws (${thrown instanceof Error ? thrown.message : String(thrown)})`;
  }
}
