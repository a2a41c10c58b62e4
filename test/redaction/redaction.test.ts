import { describe, expect, it } from 'vitest';
import { redactText } from '../../src/redaction/patterns.js';
import { redactValue } from '../../src/redaction/redact-value.js';
import { createSecretMasker } from '../../src/redaction/secrets.js';

describe('redactText', () => {
  it.each([
    ['mail ada.lovelace+bills@example.co.uk now', 'email'],
    ['call +44 20 7946 0958 today', 'phone'],
    ['call (415) 555-0123', 'phone'],
    ['Call me on +44 20 7946 0958.', 'phone'],
    ['my card is 4111 1111 1111 1111.', 'card'],
    ['card 4111 1111 1111 1111 declined', 'card'],
    ['card 5500-0000-0000-0004', 'card'],
    ['iban DE89 3704 0044 0532 0130 00 please', 'iban'],
    ['GB82WEST12345698765432', 'iban'],
    ['key sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'secret'],
    ['AKIAIOSFODNN7EXAMPLE', 'secret'],
    ['Authorization: Bearer abcdefghijklmnop1234567890', 'secret'],
    ['api_key=Zm9vYmFyYmF6cXV4', 'secret'],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', 'secret'],
    // Followed by another token the greedy pattern takes in too (before: the checksum failed, left as is).
    ['IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX', 'iban'],
    ['GB82WEST12345698765432 GBP', 'iban'],
    ['card 4111 1111 1111 1111 123', 'card'],
    ['4111-1111-1111-1111-123', 'card'],
  ])('masks %j as %s', (text, kind) => {
    const out = redactText(text);
    expect(out.hits[kind]).toBeGreaterThanOrEqual(1);
    expect(out.text).toContain(`[REDACTED:${kind}]`);
  });

  it.each([
    'Invoice inv_789 due 2026-06-03, amount 42.50 USD',
    'at 2026-06-03T10:00:00Z from 192.168.100.200',
    'order 1234567890123 shipped', // 13 digits, fails Luhn
    'ticket_456 and cus_123, uuid 123e4567-e89b-12d3-a456-426614174000',
    'version 1.22.3 build 20260603',
    '2026-06-03 10:00 UTC',
    'tracking 1234 5678 9012 3456 789 ok', // too long for a phone; its first groups are not one either
  ])('leaves ordinary data alone: %j', (text) => {
    expect(redactText(text)).toEqual({ text, hits: {} });
  });
});

describe('createSecretMasker', () => {
  const secret = 'tg-secret-0123456789abcdef';
  const mask = createSecretMasker([secret, 'abc']);
  it('masks raw, base64, base64url, URL-encoded and hex forms', () => {
    for (const form of [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(`${secret}/`),
      Buffer.from(secret).toString('hex'),
    ]) {
      expect(mask(`x ${form} y`).text).not.toContain(form.replace('%2F', ''));
    }
  });
  it('masks what every URL encoder writes: a form field, a query, a URL userinfo, encodeURI', () => {
    // Only encodeURIComponent's form was masked: `client_secret=Xy8Q%7E…` in a token request body
    // and `https://svc:…%2F…+…@vault` reached the model and the log in clear (outside probe).
    const odd = "Xy8Q~abc DEF/ghi+JKL!mno'(PQ)*rst=uv@w:x;y,z";
    const oddMask = createSecretMasker([odd]);
    const url = new URL('https://vault.internal/v1');
    url.username = 'svc';
    url.password = odd;
    const asUser = new URL('https://vault.internal/v1');
    asUser.username = odd;
    for (const text of [
      new URLSearchParams({ grant_type: 'client_credentials', client_secret: odd }).toString(),
      `https://api.internal/x?${new URLSearchParams({ k: odd }).toString()}`,
      url.toString(),
      asUser.toString(),
      encodeURI(`https://api.internal/${odd}`),
      encodeURIComponent(odd),
    ]) {
      const masked = oddMask(text).text;
      expect(masked, text).toContain('[REDACTED:credential]');
      expect(masked, text).not.toMatch(/Xy8Q|abc|ghi|JKL|rst/);
    }
  });
  it('ignores values too short to mask safely', () => {
    expect(mask('abc and abcdef').text).toBe('abc and abcdef');
  });
  it('masks a credential inside base64 wrapped at 76 or 64 columns, at every offset', () => {
    // MIME, PEM and the `base64` CLI wrap lines; 42 of 81 prefix lengths leaked (outside probe).
    const wrap = (text: string, width: number) => text.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');
    for (const width of [76, 64]) {
      for (let pad = 0; pad <= 80; pad++) {
        const plain = `${'#'.repeat(pad)}\nAPI_TOKEN=${secret}\n`;
        const wrapped = wrap(Buffer.from(plain).toString('base64'), width);
        const masked = mask(`attachment:\n${wrapped}\n(end of attachment)`).text;
        const block = masked.slice('attachment:\n'.length, masked.lastIndexOf('\n(end'));
        const left = block.replace(/\[REDACTED:credential\]/g, '').replace(/\s/g, '');
        expect(Buffer.from(left, 'base64').toString('latin1'), `width ${width}, pad ${pad}`).not.toContain(
          'secret-0123',
        );
        expect(masked).toMatch(/^attachment:\n/);
        expect(masked).toMatch(/\n\(end of attachment\)$/);
      }
    }
    // Wrapped base64 that holds no credential keeps its lines.
    const harmless = wrap(Buffer.from('x'.repeat(300)).toString('base64'), 76);
    expect(mask(harmless).text).toBe(harmless);
  });
  it('masks an indented or space-trailed wrapped block, and keeps the lines around the masked part', () => {
    const wrap = (text: string, width: number, indent: string, trail = '') =>
      text
        .match(new RegExp(`.{1,${width}}`, 'g'))!
        .map((line) => `${indent}${line}${trail}`)
        .join('\n');
    for (const [indent, trail] of [
      ['  ', ''],
      ['\t', ''],
      ['', ' '],
    ] as const) {
      for (let pad = 0; pad <= 80; pad++) {
        const wrapped = wrap(
          Buffer.from(`${'#'.repeat(pad)}\nAPI_TOKEN=${secret}\n`).toString('base64'),
          64,
          indent,
          trail,
        );
        const left = mask(`key: |\n${wrapped}\nnext: 1`).text.replace(/\[REDACTED:credential\]/g, '');
        const block = left.slice('key: |\n'.length, left.lastIndexOf('\nnext')).replace(/\s/g, '');
        expect(Buffer.from(block, 'base64').toString('latin1'), `${JSON.stringify(indent)} pad ${pad}`).not.toContain(
          'secret-0123',
        );
      }
    }
    // Identifier lines beside the block (base64 characters only) keep their own lines: the first
    // fix joined the whole run and glued them to the masked text (review).
    const block = wrap(Buffer.from(`API_TOKEN=${secret}`).toString('base64'), 20, '');
    const masked = mask(`first_line_identifier_1\n${block}\nlast_line_identifier_99`).text;
    expect(masked).toContain('[REDACTED:credential]');
    expect(masked.startsWith('first_line_identifier_1\n')).toBe(true);
    expect(masked.endsWith('\nlast_line_identifier_99')).toBe(true);
    // Prose and pretty JSON are left as they are.
    const prose = 'A paragraph of text.\nAnother line, with words.\n' + JSON.stringify({ a: [1, 2], b: 'x' }, null, 2);
    expect(mask(prose)).toEqual({ text: prose, hits: 0 });
  });
});

describe('redactValue', () => {
  const maskSecrets = createSecretMasker(['s3cr3t-value-xyz']);
  it('masks PII except in allowed fields, and secrets everywhere including keys', () => {
    const { value, hits } = redactValue(
      {
        customer: { email: 'ada@example.com', note: 'reach ada@example.com' },
        contacts: [{ email: 'b@example.org' }],
        's3cr3t-value-xyz': 'token s3cr3t-value-xyz',
      },
      { allow: ['customer.email'], maskSecrets },
    );
    expect(value).toEqual({
      customer: { email: 'ada@example.com', note: 'reach [REDACTED:email]' },
      contacts: [{ email: '[REDACTED:email]' }],
      '[REDACTED:credential]': 'token [REDACTED:credential]',
    });
    expect(hits).toEqual({ email: 2, credential: 2 });
  });
  it('masks a secret even inside an allowed field', () => {
    const { value } = redactValue(
      { customer: { email: 'x s3cr3t-value-xyz' } },
      { allow: ['customer.email'], maskSecrets },
    );
    expect(JSON.stringify(value)).not.toContain('s3cr3t');
  });
});

describe('pattern pre-checks (issue #15)', () => {
  it('never change what is masked: equal to running every pattern, for any text', async () => {
    const fc = (await import('fast-check')).default;
    const { redactText, redactTextExhaustive } = await import('../../src/redaction/patterns.js');
    const piece = fc.constantFrom(
      'a',
      'Z',
      '0',
      '7',
      ' ',
      '-',
      '.',
      '@',
      '+',
      '(',
      ')',
      'eyJ',
      'abc',
      'x@y.io',
      '4111 1111 1111 1111',
      '+44 20 7946 0958',
      'DE89 3704 0044 0532 0130 00',
      'sk_live_',
      'Pk-test-',
      'rk_',
      'AKIA',
      'akia',
      'ghp_',
      'gho_',
      'ghs_0123456789abcdefghijABCDEFGHIJ',
      'github_pat_',
      'github_pat_0123456789abcdefghij',
      'xoxb-',
      'xoxp-0123456789',
      'AKIA0123456789ABCDEF',
      'Bearer ',
      'BEARER ',
      '_',
      ':',
      '=',
      'api_key',
      'Access-Key',
      'secret',
      ' secret: ',
      'token=',
      'hunter2hunter2',
      'Password: ',
      'passwd=',
      'billing_status',
      '-----BEGIN ',
      'PRIVATE KEY-----',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }).map((parts) => parts.join('')),
        (text) => {
          expect(redactText(text)).toEqual(redactTextExhaustive(text));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
