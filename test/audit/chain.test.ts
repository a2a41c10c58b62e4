import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentJson, withSeal } from '../../src/audit/chain.js';
import type { AuditEventInput } from '../../src/audit/event.js';
import { anyText, auditEventFields } from './arbitrary-event.js';

// Issue #15 builds the hashed content's top level directly; it must stay byte-for-byte what the
// generic canonical JSON gave, or every chain written before would stop verifying.
const CONTENT = [
  'id',
  'time',
  'kind',
  'requestId',
  'callId',
  'surface',
  'client',
  'actor',
  'tenant',
  'tool',
  'decision',
  'reason',
  'outcome',
  'errorCode',
  'inputSummary',
  'outputSummary',
  'resultBytes',
  'resultTokens',
  'sourceIds',
  'latencyMs',
  'data',
] as const;

function reference(event: AuditEventInput, seq: number, prevHash: string): string {
  const content: Record<string, unknown> = { seq, prevHash };
  for (const field of CONTENT) content[field] = event[field];
  for (const field of ['subject', 'issuer', 'clientId'] as const)
    if (event[field] != null) content[field] = event[field];
  return canonicalJson(content);
}

// Any field may also be missing here: contentJson must match the reference even then.
const event = fc.record(auditEventFields, { requiredKeys: [] }) as fc.Arbitrary<AuditEventInput>;
const text = anyText;

describe('the hashed content of an audit event', () => {
  it('is exactly the canonical JSON it always was, for any event', () => {
    fc.assert(
      fc.property(event, fc.nat(), text, (e, seq, prev) => {
        expect(contentJson(e, seq, prev)).toBe(reference(e, seq, prev));
      }),
      { numRuns: 500 },
    );
  });
});

describe('an event with its seal', () => {
  const seal = { seq: 7, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64) };

  it('is the event plus seq and hashes, for any event', () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(withSeal(e, seal)).toEqual({ ...e, ...seal });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every field an event can have (a new field must be added to withSeal too)', () => {
    // Required<>: adding a field to AuditEventInput stops this compiling until it is listed here.
    const full: Required<AuditEventInput> = {
      id: 'aud_1',
      time: '2026-11-25T00:00:00.000Z',
      kind: 'tool_call',
      requestId: 'req_1',
      callId: 'call_1',
      surface: 'mcp_http',
      client: 'c',
      actor: 'a',
      tenant: 't',
      tool: 'get_x_y',
      decision: 'allow',
      reason: 'r',
      outcome: 'ok',
      errorCode: null,
      inputSummary: '{}',
      outputSummary: '{}',
      resultBytes: 1,
      resultTokens: 1,
      sourceIds: ['s'],
      latencyMs: 1,
      data: { k: 1 },
      subject: 'sub',
      issuer: 'https://idp.example',
      clientId: 'client',
    };
    expect(Object.keys(withSeal(full, seal)).sort()).toEqual([...Object.keys(full), ...Object.keys(seal)].sort());
  });
});

describe('canonicalJson', () => {
  // A draft's preview holding a Date was stored, shown and hashed as `{}` (outside probe).
  it('writes a value with toJSON as JSON.stringify does (a Date as its ISO time), keys still sorted', () => {
    const at = new Date('2026-12-01T00:00:00.000Z');
    expect(canonicalJson({ z: 1, from: at, nested: [at] })).toBe(
      '{"from":"2026-12-01T00:00:00.000Z","nested":["2026-12-01T00:00:00.000Z"],"z":1}',
    );
    expect(JSON.parse(canonicalJson({ from: at }))).toEqual(JSON.parse(JSON.stringify({ from: at })));
  });
});
