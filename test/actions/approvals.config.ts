import { defineConfig } from '../../src/config/define-config.js';
import { approver, refundAction, refundCredentials, statusTool } from '../helpers/refund-action.js';

/** The refund action for CLI tests; the fake payments API URL comes from the environment. */
export default defineConfig({
  tools: [refundAction(process.env.FAKE_REFUND_API_URL ?? 'http://127.0.0.1:9'), statusTool],
  credentials: refundCredentials,
  approvers: [approver('usr_lead')],
});
