/**
 * PII and secret-shaped strings masked in every result unless the tool's contract allows the
 * field (R3, R15). Order matters: whole tokens (PEM blocks, JWTs, keys) go before the number
 * patterns so a key is masked as one secret, not as a phone number in the middle of it.
 * Numeric patterns are checked (Luhn for cards, mod-97 for IBANs) to keep ids and amounts intact.
 */
interface Detector {
  readonly kind: 'secret' | 'jwt' | 'email' | 'iban' | 'card' | 'phone';
  readonly pattern: RegExp;
  readonly accept?: (match: string) => boolean;
  /**
   * When `accept` refuses a match, try its parts before a separator (acceptedPrefix). Only for
   * checks a random number rarely passes (a checksum): for the phone shape it would mask the
   * first groups of any long grouped number.
   */
  readonly tryShorter?: boolean;
  /**
   * Where in a match the secret starts (null: none there). For a pattern that must match more than
   * the secret to stay linear: everything before that point is kept.
   */
  readonly maskFrom?: (match: string) => number | null;
  /**
   * A necessary condition for any accepted match, checked first (issue #15: most strings a tool
   * returns are ids and words, and running seven patterns over each was ~10% of a call). It only
   * ever skips a pattern that could not have matched, so what is masked does not change.
   */
  readonly mayMatch?: (text: string, stats: TextStats) => boolean;
}

interface TextStats {
  readonly digits: number;
}

function statsOf(text: string): TextStats {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) count++;
  }
  return { digits: count };
}

const digits = (s: string) => s.replace(/\D/g, '');

function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function ibanValid(raw: string): boolean {
  const iban = raw.replace(/\s/g, '').toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? (ch.charCodeAt(0) - 55).toString() : ch;
    for (const d of value) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/** What each alternative of the secret pattern below starts with (its `i` flag included). */
const SECRET_HINT = /[spr]k[-_]|akia|gh[pousr]_|github_pat_|xox[abpr]-|bearer|key|secret|token|passw/i;

const DETECTORS: readonly Detector[] = [
  {
    kind: 'secret',
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    mayMatch: (text) => text.includes('-----BEGIN '),
  },
  {
    kind: 'jwt',
    // A dotted run matched from where its base64url run starts, and the token found in it after.
    // With `\beyJ…`, each `eyJ` of `-eyJ-eyJ…` was a start that scanned to the run's end and back:
    // quadratic, 40 s for 320 KB of it in one call's arguments, with every other caller waiting
    // (outside probe, 2026-12-07). Starting only at a run's start lost `x-eyJ…` (review), so the
    // token may begin there or after any `-` in the run's first part (`jwtStart`).
    pattern: /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
    maskFrom: jwtStart,
    mayMatch: (text) => text.includes('eyJ'),
  },
  {
    kind: 'secret',
    pattern:
      /\b(?:sk|pk|rk)[-_](?:live|test|ant|proj|prod)?[-_]?[A-Za-z0-9_-]{16,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bxox[abpr]-[A-Za-z0-9-]{10,}|\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*|\b(?:api[_-]?key|access[_-]?key|secret|token|password|passwd)\b\s*[:=]\s*["']?[^\s"',;]{8,}/gi,
    // Every alternative is at least 14 characters and starts with one of these (any case). Only
    // a separator was required before, and identifiers such as `billing_status` have one.
    mayMatch: (text) => text.length >= 14 && SECRET_HINT.test(text),
  },
  // Bounded parts (RFC 5321 lengths) keep the scan linear on long runs of word characters.
  {
    kind: 'email',
    pattern: /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g,
    mayMatch: (text) => text.includes('@'),
  },
  {
    kind: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
    accept: ibanValid,
    tryShorter: true,
    mayMatch: (text, stats) => stats.digits >= 2 && text.length >= 15,
  },
  {
    kind: 'card',
    pattern: /(?<![\w.])\d(?:[ -]?\d){12,18}(?!\w|\.\d)/g,
    accept: (m) => digits(m).length >= 13 && digits(m).length <= 19 && luhn(digits(m)),
    tryShorter: true,
    mayMatch: (_, stats) => stats.digits >= 13,
  },
  {
    kind: 'phone',
    pattern:
      /(?<![\w.+-])(?:\+\d{9,15}|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4})(?![\w-]|\.\d)/g,
    accept: (m) => {
      const n = digits(m).length;
      // Dates, times and IPv4 addresses share the shape; they are not phone numbers.
      return n >= 9 && n <= 15 && !/\d{4}-\d{2}-\d{2}|^\d{1,3}(?:\.\d{1,3}){3}$/.test(m);
    },
    mayMatch: (_, stats) => stats.digits >= 9,
  },
];

export function redactText(text: string): { text: string; hits: Record<string, number> } {
  if (text.length < 5) return { text, hits: {} }; // shorter than anything any pattern accepts
  // Replacements only ever remove digits and '@', so stats of the original text stay an upper bound.
  const stats = statsOf(text);
  return applyDetectors(
    text,
    DETECTORS.filter((d) => !d.mayMatch || d.mayMatch(text, stats)),
  );
}

/** Every pattern, no pre-checks: the reference the tests hold `redactText` equal to. */
export function redactTextExhaustive(text: string): { text: string; hits: Record<string, number> } {
  return applyDetectors(text, DETECTORS);
}

/** Where a JWT's header starts in a dotted run: at the run's start or just after a `-`, 8+ long. */
function jwtStart(run: string): number | null {
  const header = run.slice(0, run.indexOf('.'));
  if (header.startsWith('eyJ')) return 0;
  for (let at = header.indexOf('-eyJ'); at >= 0; at = header.indexOf('-eyJ', at + 1))
    if (header.length - (at + 1) >= 8) return at + 1;
  return null;
}

function applyDetectors(text: string, detectors: readonly Detector[]): { text: string; hits: Record<string, number> } {
  const hits: Record<string, number> = {};
  let out = text;
  for (const detector of detectors) {
    out = out.replace(detector.pattern, (match) => {
      if (detector.maskFrom) {
        const at = detector.maskFrom(match);
        if (at === null) return match;
        hits[detector.kind] = (hits[detector.kind] ?? 0) + 1;
        return `${match.slice(0, at)}[REDACTED:${detector.kind}]`;
      }
      const found = detector.accept ? acceptedPrefix(match, detector) : match;
      if (found === null) return match;
      hits[detector.kind] = (hits[detector.kind] ?? 0) + 1;
      return `[REDACTED:${detector.kind}]${match.slice(found.length)}`;
    });
  }
  return { text: out, hits };
}

const WHOLE = new WeakMap<Detector, RegExp>();

/**
 * The match, or the longest part of it before a separator that is itself a match and passes the
 * check. The patterns are greedy, so a number followed by another token (`… 0130 00 BIC`, a card
 * number and its CVC) was taken in whole, failed the checksum and was left unmasked.
 */
function acceptedPrefix(match: string, detector: Detector): string | null {
  const accept = detector.accept!;
  if (accept(match)) return match;
  if (!detector.tryShorter) return null;
  let whole = WHOLE.get(detector);
  if (!whole) WHOLE.set(detector, (whole = new RegExp(`^(?:${detector.pattern.source})$`)));
  for (let end = match.length - 1; end > 0; end--) {
    if (match[end] !== ' ' && match[end] !== '-') continue;
    const candidate = match.slice(0, end);
    if (whole.test(candidate) && accept(candidate)) return candidate;
  }
  return null;
}
