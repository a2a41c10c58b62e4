import { stripInvisible } from './invisible.js';

/**
 * Flags instruction-like text inside untrusted content. This is a signal, not the boundary: many
 * injections read like ordinary requests and no pattern list catches them all. The boundary is
 * the wrapping (wrap.ts); these flags tell the model and the audit log where to look twice.
 * Every pattern is linear (no nested quantifiers, no start that rescans a run another start
 * covers), so adversarial input cannot make it slow: test/redaction/linear-time.test.ts holds it.
 */
const RULES: readonly { readonly id: string; readonly pattern: RegExp }[] = [
  // "ignore/disregard/forget (all) (the) previous/above/prior instructions|rules|prompts"
  {
    id: 'ignore_instructions',
    pattern:
      /\b(?:ignore|disregard|forget|override|bypass|skip)\b(?:\s+\w+){0,4}?\s+(?:instructions?|rules|prompts?|guidelines|directions|context|system prompt)\b/,
  },
  // Fake conversation or system framing a model may take as a real turn. After a line break only
  // spaces may come before the role: `\s*` took line breaks too, so each of n blank lines was a
  // start scanning all the rest (80 K newlines in a ticket: 2.8 s; outside probe, 2026-12-07).
  {
    id: 'role_tag',
    pattern:
      /<\/?\s*(?:system|assistant|user|human|instructions?|im_start|im_end)\s*>|<\|(?:im_start|im_end|system|endoftext)\|>|\[\/?inst\]|(?:^|\n)[^\S\n]*(?:system|assistant|human|developer)[^\S\n]*:/,
  },
  // Text shaped like a tool call or a function-calling block.
  {
    id: 'tool_call_shape',
    pattern:
      /<\s*(?:function_calls|invoke|tool_use|antml)\b|"type"\s*:\s*"tool_use"|"(?:tool|function)_?(?:name|call)"\s*:|\bcall (?:the )?(?:tool|function)\b|\b(?:create|delete|update|append|send)_[a-z_]+\s*\(/,
  },
  // Attempts to re-assign the model's identity or give it new standing orders.
  {
    id: 'new_instructions',
    pattern:
      /\b(?:you are now|from now on|new instructions?|act as|pretend (?:to be|you are)|your (?:new )?(?:task|role|instructions?) (?:is|are)|instead,? you (?:must|should|will))\b/,
  },
  // Asking for credentials or secrets.
  {
    id: 'secret_request',
    pattern:
      /\b(?:api[ _-]?key|password|passcode|secret|access token|credentials?|private key|ssh key)\b[^.\n]{0,60}\b(?:send|share|reveal|print|give|email|post|show|tell|provide|output)\b|\b(?:send|share|reveal|print|give|email|post|show|tell|provide|output)\b[^.\n]{0,60}\b(?:api[ _-]?key|password|passcode|secret|access token|credentials?|private key|ssh key)\b/,
  },
  // Moving data somewhere: forward/send/upload ... to an address or URL.
  {
    id: 'exfiltration',
    pattern:
      /\b(?:send|forward|upload|post|email|transfer|exfiltrate|copy)\b[^\n]{0,80}?\b(?:to|at)\b\s*(?:https?:\/\/|www\.|[\w.+-]+@[\w-]+\.[\w.]+)/,
  },
  // Pressure to act now without checking: a classic of social-engineering payloads.
  {
    id: 'urgent_action',
    pattern:
      /\b(?:immediately|urgent(?:ly)?|right now|without (?:asking|confirmation|approval|checking|verifying))\b[^.\n]{0,60}\b(?:refund|transfer|delete|approve|pay|wire|grant|reset|disable)\b|\b(?:refund|transfer|delete|approve|pay|wire|grant|reset|disable)\b[^.\n]{0,60}\b(?:immediately|right now|without (?:asking|confirmation|approval|checking|verifying))\b/,
  },
  // Directives about the reader's own output: data addressed to "your answer" is talking to the model.
  {
    id: 'output_directive',
    pattern:
      /\b(?:add|include|integrate|insert|incorporate|append|use|replace|remove|rearrange|introduce|misspell|provide|modify|mention|embed|group|write)\b[^.\n]{0,80}\b(?:in|to|into|of|within|for) (?:your|the) (?:answers?|responses?|reply|replies|output|summary|code|codebase|implementation|solution)\b/,
  },
  // Code handed over to be run or pasted in: the BIPIA code attacks all take this shape.
  {
    id: 'code_injection',
    pattern:
      /\b(?:following|subsequent|this|below) code (?:block|section|snippet|excerpt|segment)\b|\b(?:execute|run|incorporate|integrate|meld|embed)\b[^.\n]{0,40}\bcode\b/,
  },
];

/** Lowercased, NFKC-normalised (full-width and stylised letters fold to ASCII), hidden chars out, spaces collapsed. */
function normalise(text: string): string {
  return stripInvisible(text.normalize('NFKC'))
    .text.toLowerCase()
    .replace(/[ \t\u00a0]+/g, ' ');
}

export function detectInstructions(text: string): string[] {
  const normalised = normalise(text);
  return RULES.filter((rule) => rule.pattern.test(normalised)).map((rule) => rule.id);
}

export const RULE_IDS = RULES.map((rule) => rule.id);
