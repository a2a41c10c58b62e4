import { defineConfig } from '../../src/config/define-config.js';
import { conformanceTools } from './toolset.js';

/** Served on loopback with an anonymous principal: the conformance suite sends no credentials. */
export default defineConfig({
  tools: conformanceTools,
  server: {
    anonymous: {
      principal: { actorId: 'conformance_suite', tenant: 'conformance', roles: [], scopes: ['conformance:run'] },
      client: 'conformance',
    },
  },
});
