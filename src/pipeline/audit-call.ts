import type { AuditEventInput } from '../audit/event.js';
import type { Principal } from '../auth/principal.js';
import type { ToolgateError } from '../errors/toolgate-error.js';
import { redactText } from '../redaction/patterns.js';
import { redactValue } from '../redaction/redact-value.js';
import type { SecretMasker } from '../redaction/secrets.js';
import { isoTime } from '../util/iso-time.js';
import { boundText } from '../util/size.js';
import type { CallState, GatewayRuntime } from './state.js';

/** Longest input/output summary kept in an audit event. */
const SUMMARY_CHARS = 1_000;
/** Longest call id kept; request ids are cut to fewer where they are read (request-id.ts). */
const MAX_ID_CHARS = 128;
/** Egress refusals kept per call (a handler looping over hosts cannot bloat the audit row). */
const MAX_EGRESS_DENIALS = 10;

/**
 * Builds the one audit event a call produces (R10): who, what, which decision and why, a bounded
 * and redacted summary of the input and output, sizes, sources, latency and error code.
 */
export function auditEventFor(
  state: CallState,
  result: { text: string; bytes: number; tokens: number } | { error: ToolgateError },
): AuditEventInput {
  const { request, runtime } = state;
  const failed = 'error' in result;
  // Egress refusals stay on the record even if the handler caught them and answered otherwise.
  const egress = state.egressDenied?.length ? state.egressDenied.slice(0, MAX_EGRESS_DENIALS) : [];
  const tooLarge = state.egressTooLarge?.length ? state.egressTooLarge.slice(0, MAX_EGRESS_DENIALS) : [];
  const reported =
    failed &&
    ((result.error.code === 'egress_denied' && egress.length > 0) ||
      // The overrun ctx.fetch threw, already listed below: not said twice.
      (result.error.code === 'result_too_large' && tooLarge.some((t) => result.error.detail?.startsWith(t))));
  const because = [...state.checks];
  for (const denial of egress) because.push(`egress_denied: ${denial}`);
  for (const overrun of tooLarge) because.push(`result_too_large: ${overrun}`);
  if (failed && state.decision === 'allow' && !reported)
    because.push(`${result.error.code}: ${result.error.detail ?? result.error.message}`);
  const reason = because.join('; ');
  return {
    id: state.auditId,
    time: isoTime(state.startedAt),
    kind: 'tool_call',
    requestId: request.requestId ?? null,
    // The caller's JSON-RPC id: any length it likes (a 900 KB id was stored whole; outside probe).
    callId: boundText(state.callId, MAX_ID_CHARS),
    surface: request.surface,
    client: request.client,
    // A malformed principal (refused before the pipeline) is still recorded, under a marker.
    actor: recorded(request.principal, 'actorId'),
    tenant: recorded(request.principal, 'tenant'),
    tool: toolAsShown(runtime, request.tool),
    decision: state.decision,
    // Error details come from upstream messages: mask secrets and PII before they are kept.
    reason: auditedText(reason, runtime.maskSecrets),
    outcome: failed ? (state.decision === 'deny' ? 'denied' : 'error') : 'ok',
    // A failed call that was refused egress is recorded as such, whatever the handler rethrew.
    errorCode: failed ? (egress.length > 0 ? 'egress_denied' : (result.error.auditCode ?? result.error.code)) : null,
    inputSummary: summarize(state, request.args),
    outputSummary: failed ? null : boundText(result.text, SUMMARY_CHARS),
    resultBytes: failed ? 0 : result.bytes,
    resultTokens: failed ? 0 : result.tokens,
    sourceIds: state.sourceIds,
    latencyMs: Math.max(0, runtime.now() - state.startedAt),
    data:
      egress.length + tooLarge.length > 0
        ? {
            ...(egress.length > 0 ? { egressDenied: egress.map((d) => runtime.maskSecrets(d).text) } : {}),
            ...(tooLarge.length > 0 ? { egressTooLarge: tooLarge.map((d) => runtime.maskSecrets(d).text) } : {}),
          }
        : null,
    // OAuth callers (issue #12): who the IdP says this is, and through which OAuth client.
    ...identityOf(request.principal),
  };
}

/**
 * The tool a call named, as the audit, the request log, the console and spans show it. A name
 * that is no tool's was made up by the caller and may be anything: a token pasted in its place was
 * masked in the answer but kept in clear in the audit row, the log and the console (outside
 * probe), so such a name is masked like an error's details. A real tool's name is shown as it is.
 */
export function toolAsShown(runtime: GatewayRuntime, tool: unknown): string {
  const name = String(tool);
  if (runtime.tools.has(name)) return name;
  // Masked, then cut: cut first, a token straddling the cut was no longer whole, and its first
  // part stayed in clear (review). What lies past the first 4 KB is cut anyway.
  return redactText(runtime.maskSecrets(name.slice(0, 4_096)).text).text.slice(0, 128);
}

/** The arguments as the audit keeps them: PII and secrets masked, bounded in size. */
function summarize(state: CallState, args: unknown): string {
  return auditedJson(args ?? {}, state.runtime.maskSecrets);
}

/**
 * A value as the audit keeps it, for calls and draft transitions alike: as JSON, PII and secrets
 * masked, bounded in size. The log is append-only and cannot be pruned without breaking the chain,
 * so what goes in stays (outside probe: draft transitions kept the raw input, a card number and
 * the gateway's own approver token among it, five or six times per draft).
 */
export function auditedJson(value: unknown, maskSecrets: SecretMasker, maxChars = SUMMARY_CHARS): string {
  try {
    const { value: redacted } = redactValue(value, { allow: [], maskSecrets });
    return boundText(JSON.stringify(redacted) ?? 'null', maxChars);
  } catch {
    return '"[unserialisable value]"';
  }
}

/** Free text for the audit (a person's reason, a verify's detail): secrets and PII masked, bounded. */
export function auditedText(text: string, maskSecrets: SecretMasker, maxChars = SUMMARY_CHARS): string {
  return boundText(redactText(maskSecrets(text).text).text, maxChars);
}

/**
 * The subject / issuer / client id of an OAuth principal; nothing for static-token callers. Only
 * strings are kept: an app's principal with a list there was refused, and then its audit row too.
 */
export function oauthIdentity(principal: Principal): Pick<AuditEventInput, 'subject' | 'issuer' | 'clientId'> {
  return {
    ...(typeof principal.subject === 'string' ? { subject: principal.subject } : {}),
    ...(typeof principal.issuer === 'string' ? { issuer: principal.issuer } : {}),
    ...(typeof principal.clientId === 'string' ? { clientId: principal.clientId } : {}),
  };
}

/** `oauthIdentity`, or nothing for a principal that cannot be read (refused before the pipeline). */
function identityOf(principal: Principal): Pick<AuditEventInput, 'subject' | 'issuer' | 'clientId'> {
  try {
    return oauthIdentity(principal);
  } catch {
    return {};
  }
}

/** A principal's field as recorded: a malformed one (refused before the pipeline) under a marker. */
function recorded(principal: Principal, key: 'actorId' | 'tenant'): string {
  try {
    const value: unknown = principal[key];
    return typeof value === 'string' && value !== '' ? value : '(malformed principal)';
  } catch {
    return '(malformed principal)'; // a getter that throws
  }
}
