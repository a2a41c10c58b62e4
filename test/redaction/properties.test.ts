import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardUntrusted } from '../../src/guard/guard-untrusted.js';
import { stripInvisible } from '../../src/guard/invisible.js';
import { redactValue } from '../../src/redaction/redact-value.js';
import { createSecretMasker } from '../../src/redaction/secrets.js';
import { redactText } from '../../src/redaction/patterns.js';

/**
 * Property tests over random inputs: the guard and redaction never throw, secrets never survive,
 * valid card numbers are always masked, and hidden characters never come out.
 */
const unicodeJson = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
const tokenAlphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'.split(''));
const secretArb = fc.array(tokenAlphabet, { minLength: 12, maxLength: 64 }).map((cs) => `tg_${cs.join('')}`);

/** Puts `secret` somewhere inside a random JSON value: as a string leaf, inside a string, or as a key. */
function plant(value: unknown, secret: string, where: number): unknown {
  if (typeof value === 'string')
    return value.slice(0, where % (value.length + 1)) + secret + value.slice(where % (value.length + 1));
  if (Array.isArray(value))
    return value.length ? value.map((v, i) => (i === where % value.length ? plant(v, secret, where) : v)) : [secret];
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (!entries.length || where % 3 === 0) return { ...value, [`k_${secret}`]: secret };
    return Object.fromEntries(
      entries.map(([k, v], i) => [k, i === where % entries.length ? plant(v, secret, where) : v]),
    );
  }
  return { leaked: `prefix ${secret} suffix` };
}

describe('properties', () => {
  it('guardUntrusted and redactValue never throw on arbitrary JSON', () => {
    const mask = createSecretMasker(['some-credential-value']);
    fc.assert(
      fc.property(unicodeJson, (value) => {
        const guarded = guardUntrusted({ tickets: [{ id: 't', body: value }], value }, [
          { field: 'tickets[].body', kind: 'ticket', sourceIdField: 'id' },
          { field: 'value', kind: 'note' },
        ]);
        redactValue(guarded.value, { allow: ['value'], maskSecrets: mask });
      }),
      { numRuns: 300 },
    );
  });

  it('no planted secret survives redaction, raw or base64', () => {
    fc.assert(
      fc.property(unicodeJson, secretArb, fc.nat(), (value, secret, where) => {
        const planted = plant(value, where % 2 ? secret : Buffer.from(secret).toString('base64'), where);
        const out = JSON.stringify(
          redactValue(planted, { allow: [], maskSecrets: createSecretMasker([secret]) }).value,
        );
        expect(out).not.toContain(secret);
        expect(out).not.toContain(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
      }),
      { numRuns: 300 },
    );
  });

  it('no secret survives base64 inside a longer encoded string, at any offset (Basic auth, JSON)', () => {
    // Before, only the secret encoded on its own was caught: `Basic base64("svc:" + secret)` passed.
    fc.assert(
      fc.property(secretArb, fc.string({ maxLength: 7 }), fc.string({ maxLength: 7 }), (secret, before, after) => {
        const mask = createSecretMasker([secret]);
        for (const encoding of ['base64', 'base64url'] as const) {
          const encoded = Buffer.from(`${before}${secret}${after}`).toString(encoding);
          const out = mask(`Authorization: Basic ${encoded}`).text;
          // What is left of the encoded text must not decode back to the secret.
          const kept = out.split('[REDACTED:credential]').map((part) => Buffer.from(part, encoding).toString());
          expect(kept.join('')).not.toContain(secret);
          expect(out).toContain('[REDACTED:credential]');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every Luhn-valid 16-digit card number is masked', () => {
    const luhnComplete = (body: number[]) => {
      const sum = body.reduce((acc, d, i) => {
        const fromRight = body.length - i; // position once the check digit is appended
        const v = fromRight % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d;
        return acc + v;
      }, 0);
      return [...body, (10 - (sum % 10)) % 10].join('');
    };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 15, maxLength: 15 }),
        fc.constantFrom(' ', '-', ''),
        (body, sep) => {
          const card = luhnComplete([4, ...body.slice(1)]);
          const spaced = card.match(/.{4}/g)!.join(sep);
          expect(redactText(`pay with ${spaced} please`).text).toBe('pay with [REDACTED:card] please');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stripInvisible output never contains a removed character class', () => {
    const hidden = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]|\uDB40[\uDC00-\uDC7F]/;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(hidden.test(stripInvisible(s).text)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
