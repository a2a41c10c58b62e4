import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { isId } from '../server/fast-path/fast-request.js';
import { isRecord } from '../util/is-record.js';

/**
 * The requests read from stdin that have not been answered yet, so that stopping can wait for
 * their answers. A client that closes stdin (the end of `printf … | toolgate stdio`, or a client
 * half-closing its pipe) still reads stdout; stopping once the gateway was idle closed the SDK's
 * server while a finished call's answer was still on its way out, so the call ran and was audited
 * `ok` and its caller never heard (found by an outside probe). Counted by id: ids may repeat.
 */
export function answersOwed() {
  const owed = new Map<string, number>();
  const waiting: (() => void)[] = [];
  const keyOf = (id: unknown) => JSON.stringify(id);
  const settle = (id: unknown) => {
    const key = keyOf(id);
    const left = (owed.get(key) ?? 0) - 1;
    if (left > 0) owed.set(key, left);
    else owed.delete(key);
    if (owed.size === 0) for (const resolve of waiting.splice(0)) resolve();
  };
  return {
    /**
     * A message on its way in. A request (JSON-RPC 2.0, a method and a string or number id) is
     * owed an answer; one the SDK refuses as malformed only reaches its onerror, so it is not
     * counted. A cancellation settles the request it names: the SDK sends no answer to that one,
     * and stopping waited the full ANSWER_WAIT_MS for it (found in review).
     */
    read(message: unknown): void {
      if (!isRecord(message) || message.jsonrpc !== '2.0' || typeof message.method !== 'string') return;
      if (message.method === 'notifications/cancelled' && isRecord(message.params)) {
        if (isId(message.params.requestId)) settle(message.params.requestId);
        return;
      }
      if (!isId(message.id)) return;
      const key = keyOf(message.id);
      owed.set(key, (owed.get(key) ?? 0) + 1);
    },
    /** A message on its way out: a result or an error answers one request with its id. */
    sent(message: JSONRPCMessage): void {
      if (!isRecord(message) || !('id' in message) || !('result' in message || 'error' in message)) return;
      settle(message.id);
    },
    /** Resolves once every request read so far has its answer written. */
    allAnswered(): Promise<void> {
      if (owed.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}
