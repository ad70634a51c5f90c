// Benchmarks print a report; the product's info logs (broker started, group
// joined…) would drown it. Imported first by index.ts so it runs before
// core/log.ts reads LOG_LEVEL; an explicit LOG_LEVEL still wins.
process.env.LOG_LEVEL ||= 'warn';
