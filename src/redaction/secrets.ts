/**
 * Masks every credential value the gateway holds, in whatever form a handler might leak it:
 * raw, base64, base64url, URL-encoded or hex. Values shorter than 4 characters are ignored (they
 * would mask ordinary text); encoded forms are only matched for values of 8 or more characters.
 */
export type SecretMasker = (text: string) => { text: string; hits: number };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
    forms.add(encodeURIComponent(value));
    forms.add(bytes.toString('hex'));
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
  return (text) => {
    let hits = 0;
    const masked = text.replace(pattern, () => {
      hits++;
      return '[REDACTED:credential]';
    });
    return { text: masked, hits };
  };
}
