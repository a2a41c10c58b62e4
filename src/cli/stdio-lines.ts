import { PassThrough, type Readable } from 'node:stream';
import { isId } from '../server/fast-path/fast-request.js';

/** The SDK stdio transport's own limit for one message; a longer line is left for it to refuse. */
const MAX_LINE_CHARS = 10 * 1024 * 1024;

/**
 * Stands between stdin and the SDK's stdio transport and answers the lines it would drop in
 * silence: a line that is not JSON gets JSON-RPC's parse error (-32700) and a batch gets -32600
 * (the HTTP route refuses batches too), both with `id: null` as JSON-RPC 2.0 says for a request
 * whose id cannot be read. Before, the client waited forever for an answer that never came.
 * Every other line goes on to the transport unchanged. The stream returned does not end with
 * the input: the caller ends it.
 */
export function screenStdioLines(
  input: Readable,
  answer: (message: object) => void,
  /** Told of each message passed on to the transport (stdio-answers.ts counts the requests). */
  passed: (message: unknown) => void = () => undefined,
  /** Why new requests are no longer taken (stopping), or null while they are. */
  refusing: () => string | null = () => null,
): PassThrough {
  const out = new PassThrough();
  let pending = '';
  const screen = (line: string) => {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      answer(errorAnswer(-32700, 'Parse error: the line is not JSON. Send one JSON-RPC message per line.'));
      return;
    }
    if (Array.isArray(message)) {
      answer(errorAnswer(-32600, 'JSON-RPC batches are not part of MCP; send one message per line.'));
      return;
    }
    // Once stopping has begun a request is answered, not run: a call started then would outlive
    // the store and lose its audit event (found in review).
    const refused = refusing();
    if (refused !== null) {
      const id = (message as { id?: unknown } | null)?.id;
      if (isId(id)) answer({ jsonrpc: '2.0', id, error: { code: -32000, message: refused } });
      return;
    }
    passed(message);
    out.write(`${line}\n`);
  };
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    // Only the new chunk is searched: a long line arriving in many chunks is not rescanned each time.
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline >= 0; newline = chunk.indexOf('\n', start)) {
      screen(pending + chunk.slice(start, newline));
      pending = '';
      start = newline + 1;
    }
    pending += chunk.slice(start);
    if (pending.length > MAX_LINE_CHARS) {
      out.write(pending); // the transport refuses it and closes, which ends the process
      pending = '';
    }
  });
  // Not ended here: the SDK's transport closes when its stream ends and then drops the answers
  // still on their way out, so the caller ends it once they are written (stdio.ts).
  input.on('end', () => screen(pending));
  input.on('error', (error) => out.destroy(error));
  return out;
}

const errorAnswer = (code: number, message: string) => ({ jsonrpc: '2.0', id: null, error: { code, message } });
