import { describe, expect, it } from 'vitest';
import { detectInstructions } from '../../src/guard/detect.js';
import { redactTextExhaustive } from '../../src/redaction/patterns.js';
import { createSecretMasker } from '../../src/redaction/secrets.js';

/**
 * Every pattern that runs over text a caller or an upstream chooses must take time linear in its
 * length. Two did not (outside probe, 2026-12-07): the JWT pattern on `-eyJ-eyJ…` (40 s for 320 KB
 * in one call's arguments, every other caller waiting) and the guard's role-tag rule on a run of
 * line breaks (2.8 s for 80 K of them in a ticket). Each input here is ~512 KB of one unit
 * repeated, shaped to start a match over and over: a linear scan takes milliseconds, a quadratic
 * one minutes, so the test's own timeout is the check (no timing assertion of our own).
 */
const UNITS = [
  '-eyJ',
  'eyJ',
  '_eyJ',
  'eyJaaaaa.',
  'eyJaaaaa.eyJ',
  '\n',
  '\n ',
  ' \n',
  '\r\n',
  '\n\t',
  'a.',
  'a-',
  '.',
  'sk-',
  'sk_live_',
  'ghp_',
  'xoxb-',
  'AKIA',
  'Bearer ',
  'bearer a',
  'token ',
  'token:',
  'token= ',
  'key',
  'secret',
  '<',
  '< ',
  '<system',
  '</',
  '[inst',
  'system',
  'system ',
  'ignore ',
  'ignore a ',
  'send to ',
  'send ',
  'to a',
  'to ',
  '@',
  'a@',
  'a@a.',
  'a@a-',
  '1',
  '1 ',
  '1-',
  '12 ',
  'DE89 ',
  'DE89',
  'DE',
  '+1 ',
  '4111 ',
  '(555) ',
  '-----BEGIN ',
  '\u00a0',
  '\t',
  ' ',
  'a',
  'immediately ',
  'refund ',
  'add ',
  'run ',
];
const SIZE = 512 * 1024;

describe('redaction and the injection guard on adversarial text', () => {
  for (const unit of UNITS) {
    const text = unit.repeat(Math.ceil(SIZE / unit.length));
    it(`run in linear time on ${JSON.stringify(unit)} × ${Math.ceil(SIZE / unit.length)}`, () => {
      expect(typeof redactTextExhaustive(text).text).toBe('string');
      expect(Array.isArray(detectInstructions(text))).toBe(true);
    }, 5_000);
  }

  it('masks known credentials in linear time, wrapped base64 included', () => {
    const mask = createSecretMasker(['tg-secret-0123456789abcdef']);
    for (const unit of [
      'A',
      'A\n',
      'AAAAAAAAAAAAAAAAAAAA\n',
      '\nA',
      'A\r\n',
      '-',
      'A-',
      '=\n',
      '\n',
      ' \n',
      '\r\n',
      '\t',
    ]) {
      const text = unit.repeat(Math.ceil(SIZE / unit.length));
      expect(typeof mask(text).text).toBe('string');
    }
    // One long run with a line break after it: a match tried from every position would be quadratic.
    for (const text of [
      'A'.repeat(SIZE) + '\n',
      'A'.repeat(SIZE) + '\n\n',
      'x\n' + 'A'.repeat(SIZE) + '\r\n',
      'A'.repeat(SIZE) + ' '.repeat(SIZE) + '\n',
      ('A'.repeat(16) + ' \n ').repeat(SIZE / 20),
      ('A'.repeat(16) + '\n' + ' '.repeat(100)).repeat(SIZE / 120),
    ])
      expect(typeof mask(text).text).toBe('string');
  }, 5_000);

  it('still finds a JWT after a space, an equals sign, a quote or a line start, and not inside a longer run', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXBhcnQ';
    for (const text of [jwt, `Bearer ${jwt}`, `token=${jwt}`, `"${jwt}"`, `x\n${jwt}`, `(${jwt})`])
      expect(redactTextExhaustive(text).text).not.toContain('eyJhbGci');
    // After a `-`, as `\b` allowed (review): the prefix is kept, the token masked.
    for (const prefix of ['-', 'x-', 'auth-token-', '--'])
      expect(redactTextExhaustive(`${prefix}${jwt} ok`).text).toBe(`${prefix}[REDACTED:jwt] ok`);
    expect(redactTextExhaustive(`abc${jwt}`).hits.jwt ?? 0).toBe(0);
  });

  it('still flags a role line after blank lines and indentation, and not a role word mid-line', () => {
    expect(detectInstructions('hello\n\n\n   system: do this')).toContain('role_tag');
    expect(detectInstructions('\n\t assistant :')).toContain('role_tag');
    expect(detectInstructions('the system: is down')).not.toContain('role_tag');
  });
});
