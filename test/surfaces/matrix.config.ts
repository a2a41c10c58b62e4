import { defineConfig } from '../../src/config/define-config.js';
import { agent, credentials, fixtureTools } from '../helpers/fixture-tools.js';

/** The fixture toolset as `toolgate stdio` serves it in the surface matrix. */
export default defineConfig({ tools: fixtureTools, credentials, stdio: { principal: agent, client: 'matrix' } });
