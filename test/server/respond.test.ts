import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { CallResult } from '../../src/pipeline/types.js';
import { sendToolResult } from '../../src/server/fast-path/respond.js';
import { callResultToMcp } from '../../src/surfaces/mcp/translate.js';

// Issue #15: the fast path puts a tools/call answer together around the result's text instead of
// stringifying the structured content a second time. It must parse to exactly what
// callResultToMcp gives, whatever the content holds.
function captured(id: number | string, result: CallResult): unknown {
  let body = '';
  const res = {
    writeHead: () => res,
    setHeader: () => undefined,
    end: (text: string) => (body = text),
  } as unknown as ServerResponse;
  sendToolResult(res, id, result, 'req_1');
  return JSON.parse(body);
}

const ok = (structured: Record<string, unknown>, auditId: string): CallResult => ({
  ok: true,
  auditId,
  structured,
  text: JSON.stringify(structured),
  warnings: [],
  truncated: [],
  resultBytes: 0,
  resultTokens: 0,
});

describe('a tools/call answer built around the result text', () => {
  const contents: Record<string, unknown>[] = [
    { customer_id: 'cus_123', billing_status: 'past_due', open_invoice_count: 2 },
    { quote: 'she said "stop"\\n', tab: '\t', nul: '\u0000', line: '\u2028', emoji: '🧾', nested: [{ a: null }] },
    {},
  ];
  for (const [i, structured] of contents.entries()) {
    it(`parses to what callResultToMcp gives (content ${i})`, () => {
      const result = ok(structured, 'aud_01ABC');
      expect(captured(7, result)).toEqual({ jsonrpc: '2.0', id: 7, result: callResultToMcp(result) });
    });
  }

  it('leaves out _meta when the call has no audit id, as callResultToMcp does', () => {
    const result = ok({ a: 1 }, '');
    const answer = captured('x', result) as { result: Record<string, unknown> };
    expect(answer).toEqual(JSON.parse(JSON.stringify({ jsonrpc: '2.0', id: 'x', result: callResultToMcp(result) })));
    expect('_meta' in answer.result).toBe(false);
  });

  it('a failure takes the general path', () => {
    const failure: CallResult = {
      ok: false,
      auditId: 'aud_1',
      error: { code: 'forbidden', message: 'no', retryable: false, audit_id: 'aud_1' },
      text: '{"error":{"code":"forbidden"}}',
    } as CallResult;
    expect(captured(1, failure)).toEqual({ jsonrpc: '2.0', id: 1, result: callResultToMcp(failure) });
  });
});
