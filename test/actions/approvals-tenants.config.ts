import { defineConfig } from '../../src/config/define-config.js';
import { envCredentials } from '../../src/credentials/provider.js';
import { approver, refundAction, statusTool } from '../helpers/refund-action.js';

/**
 * As approvals-env.config.ts, with one actor id an approver in two tenants (actor ids are not
 * unique across tenants: shared service names, OAuth subjects of two issuers).
 */
export default defineConfig({
  tools: [refundAction(process.env.FAKE_REFUND_API_URL ?? 'http://127.0.0.1:9'), statusTool],
  credentials: envCredentials({ refunds_write: 'TEST_REFUNDS_WRITE_TOKEN' }),
  approvers: [approver('usr_lead'), approver('usr_lead', { tenant: 'beta' })],
});
