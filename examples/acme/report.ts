/** `npm run demo:report`: prints the compactness table recorded in the README. */
import { compactnessReport, formatCompactness } from './compactness.js';
import { startAcmeHarness } from './harness.js';

const harness = await startAcmeHarness();
try {
  console.log(formatCompactness(await compactnessReport(harness.gateway, harness.acmeUrl, harness.tokens)));
} finally {
  await harness.close();
}
