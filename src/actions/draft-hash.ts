import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/chain.js';

/**
 * The hash an approval is bound to: the exact tool, input and preview. If any of them changes
 * after a person looked at the draft — or someone edits the row — the approval no longer matches.
 */
export function draftHash(tool: string, input: unknown, preview: unknown): string {
  return createHash('sha256').update(canonicalJson({ tool, input, preview })).digest('hex');
}
