import fc from 'fast-check';
import type { AuditEventInput } from '../../src/audit/event.js';

/** Any text at all: lone surrogates, NULs, astral characters. */
export const anyText = fc.string({ unit: 'binary', maxLength: 40 });

/**
 * Every audit event field, drawn from the widest values its type allows (and a null issuer or
 * client id, which must count as absent), for the chain's property tests. `data` keys include
 * integer-like ones, which JS objects keep in an order of their own rather than sorted.
 */
export const auditEventFields = {
  id: anyText,
  time: anyText,
  kind: anyText,
  requestId: fc.option(anyText),
  callId: fc.option(anyText),
  surface: fc.constantFrom('mcp_http', 'direct', 'api'),
  client: anyText,
  actor: anyText,
  tenant: fc.option(anyText),
  tool: anyText,
  decision: fc.constantFrom('allow', 'deny'),
  reason: anyText,
  outcome: fc.constantFrom('ok', 'denied', 'error'),
  errorCode: fc.option(anyText),
  inputSummary: anyText,
  outputSummary: fc.option(anyText),
  resultBytes: fc.nat(),
  resultTokens: fc.nat(),
  sourceIds: fc.array(anyText, { maxLength: 4 }),
  latencyMs: fc.nat(),
  data: fc.option(fc.dictionary(fc.oneof(anyText, fc.nat().map(String)), fc.jsonValue({ maxDepth: 3 }))),
  subject: fc.option(anyText, { nil: undefined }),
  issuer: fc.option(anyText),
  clientId: fc.option(anyText),
};

export const anyAuditEvent = fc.record(auditEventFields) as fc.Arbitrary<AuditEventInput>;
