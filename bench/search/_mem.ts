import { Database } from '../../core/db.ts';
import { SearchIndex } from '../../audit/search/index.ts';
const db = await Database.open('bench/.data/search-1M.duckdb', { settings: { threads: '2' } });
const i = new SearchIndex(db); const t0 = performance.now(); await i.catchUp();
(globalThis as any).gc?.();
console.log(((performance.now()-t0)/1000).toFixed(1), 's', Object.fromEntries(Object.entries(i.memory()).map(([k,v])=>[k, Math.round(v/2**20)])), Math.round(process.memoryUsage().rss/2**20), 'rss', Math.round(process.memoryUsage().heapUsed/2**20), 'heap');
i.close(); await db.close();
