import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/http-server.js';

// Issue #13, item 11: /readyz said "ready" while every call failed closed because the store could
// not be written. Readiness now commits a one-row write probe; a full disk makes it 503.
const mountPoint = mkdtempSync(join(tmpdir(), 'toolgate-full-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  console.warn('\n⚠ SKIPPED full-disk readiness test: cannot mount a tmpfs here (needs root)\n');
}

describe.skipIf(!mounted)('readiness on a full disk', () => {
  afterAll(() => {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ tools: [] }, { TOOLGATE_DB: join(mountPoint, 'toolgate.db') });
  });
  afterAll(() => server.stop());

  it('is ready while the store can commit, and 503 with the reason once the disk is full', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    try {
      writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(4 * 1024 * 1024));
    } catch {
      // ENOSPC: the filesystem is now full, which is the point
    }
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(/full|disk|SQLITE/i),
    });
  });
});
