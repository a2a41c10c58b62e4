export { freePort } from '../helpers/free-port.js';
