import { tempSqliteStore } from '../helpers/temp-store.js';
import { runStoreSuite } from './suite.js';

runStoreSuite('sqlite', tempSqliteStore);
