/**
 * Masks every credential value the gateway holds, in whatever form a handler might leak it:
 * raw, base64, base64url, URL-encoded (as a path or query part, a form field or a URL's userinfo)
 * or hex. Values shorter than 4 characters are ignored (they
 * would mask ordinary text); encoded forms are only matched for values of 8 or more characters.
 */
export type SecretMasker = (text: string) => { text: string; hits: number };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The base64 text a value encodes to wherever it sits inside a longer encoded string, e.g.
 * `Basic base64("svc:" + secret)`: its encoding then depends on its byte offset mod 3, and the
 * characters at either end share bits with the neighbouring bytes. For each offset, the
 * characters built from the value's bytes alone (whole 3-byte groups), in both alphabets. Before,
 * only the value encoded on its own was masked, so `Basic …` and base64'd JSON passed.
 */
function embeddedBase64(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const whole = Math.floor((offset + bytes.length) / 3) * 4; // characters of complete groups
    const core = encoded.slice(offset === 0 ? 0 : offset + 1, whole); // skip what the prefix shares
    if (core.length < 8) continue;
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/**
 * The value as each URL encoder writes it. They differ: a form body or query built with
 * URLSearchParams writes `~` as %7E and a space as `+`, a URL's userinfo leaves `+` and `!` as
 * they are, encodeURI leaves `/` and `=`. Only encodeURIComponent's was masked, and a token
 * request body (`client_secret=Xy8Q%7E…`) or a connection string (`https://svc:…%2F…@host`)
 * reached the model and the log in clear (outside probe, 2026-12-07).
 */
function urlEncodings(value: string): string[] {
  const userinfo = new URL('http://host');
  userinfo.username = value;
  userinfo.password = value;
  return [
    encodeURIComponent(value),
    encodeURI(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    userinfo.username,
    userinfo.password,
  ];
}

export function createSecretMasker(values: readonly string[]): SecretMasker {
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < 4) continue;
    forms.add(value);
    if (value.length < 8) continue;
    const bytes = Buffer.from(value, 'utf8');
    const b64 = bytes.toString('base64');
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ''));
    forms.add(bytes.toString('base64url'));
    for (const form of urlEncodings(value)) forms.add(form);
    forms.add(bytes.toString('hex'));
    for (const form of embeddedBase64(bytes)) forms.add(form);
  }
  if (forms.size === 0) return (text) => ({ text, hits: 0 });
  // Longest first, so a value is masked whole rather than by a shorter form inside it.
  const pattern = new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map(escape)
      .join('|'),
    'gi',
  );
  const mask = (text: string) => {
    let hits = 0;
    const masked = text.replace(pattern, () => {
      hits++;
      return '[REDACTED:credential]';
    });
    return { text: masked, hits };
  };
  return (text) => {
    const masked = mask(text);
    if (!mayHoldWrappedBase64(masked.text)) return masked;
    // A credential inside base64 wrapped at 64 or 76 columns (MIME, PEM, the `base64` CLI) is cut
    // by line breaks that no form above crosses: 42 of 81 prefix lengths reached the model
    // (outside probe, 2026-12-07). Such a block is read without its line breaks, and what matches
    // there is masked in place: the lines around it keep their breaks (review).
    let hits = masked.hits;
    const unwrapped = masked.text.replace(WRAPPED_BASE64, (block) => {
      const joined = block.replace(/[ \t\r\n]+/g, '');
      pattern.lastIndex = 0;
      const found = pattern.test(joined);
      pattern.lastIndex = 0; // matchAll below starts where the shared pattern's lastIndex is
      if (!found) return block;
      const kept: number[] = []; // where each character of `joined` sits in the block
      for (let i = 0; i < block.length; i++) if (!SPACING.has(block.charCodeAt(i))) kept.push(i);
      let out = '';
      let from = 0;
      for (const match of joined.matchAll(pattern)) {
        out += `${block.slice(from, kept[match.index])}[REDACTED:credential]`;
        from = kept[match.index + match[0].length - 1]! + 1;
        hits++;
      }
      return out + block.slice(from);
    });
    return { text: unwrapped, hits };
  };
}

/** Space, tab, CR and LF: what a wrapped block has between its base64 characters. */
const SPACING = new Set([0x20, 0x09, 0x0d, 0x0a]);
/** Space, tab and CR: what may stand beside one line break in a wrapped block. */
const LINE_SPACE = new Set([0x20, 0x09, 0x0d]);

/**
 * Lines of base64 (either alphabet) joined by line breaks, with the spaces or tabs an indented
 * block has around them; the first line at least 16 characters. It starts only where a run
 * starts (the lookbehind), so a long run with no line break after it is scanned once, not once
 * per position: linear (test/redaction/linear-time.test.ts).
 */
const WRAPPED_BASE64 = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{16,}(?:[ \t]*\r?\n[ \t]*[A-Za-z0-9+/=_-]+)+/g;

/**
 * Whether some line ends in 16 base64 characters and the next starts with one: what a wrapped
 * block needs. Prose and pretty JSON rarely have it (their lines end in spaces, `.`, `,`, `{`), so
 * they skip the block pattern, which cost ~10× the rest of the masker on 5 KB of either (review).
 */
function mayHoldWrappedBase64(text: string): boolean {
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
    // Back over spaces, tabs and a CR only: over line breaks too, a run of them was quadratic.
    let end = at;
    while (end > 0 && LINE_SPACE.has(text.charCodeAt(end - 1))) end--;
    if (end < 16) continue;
    let run = 0;
    while (run < 16 && isBase64Code(text.charCodeAt(end - 1 - run))) run++;
    if (run < 16) continue;
    let next = at + 1;
    while (next < text.length && LINE_SPACE.has(text.charCodeAt(next))) next++;
    if (next < text.length && isBase64Code(text.charCodeAt(next))) return true;
  }
  return false;
}

/** A character of either base64 alphabet (or its padding), by code: A–Z a–z 0–9 + / = _ -. */
function isBase64Code(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b ||
    c === 0x2f ||
    c === 0x3d ||
    c === 0x5f ||
    c === 0x2d
  );
}
