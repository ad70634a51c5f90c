// The accounts room's entry: who people are (accounts with passwords or
// tokens), which channels exist and who belongs to them, how far each person
// has read, who is online — Kafka-native state (core/topics.ts) that every
// node holds in memory, mirrored into DuckDB where ingest runs. See
// docs/accounts.md.
export { AccountBook, foldNick, type Account, type AccountStatus } from './book.ts';
export { AUDIT_CHANNEL, Directory, newUserId, type By } from './directory.ts';
export { dmChannel, MembershipBook, type ChannelDef } from './memberships.ts';
export { login, LoginLimiter, type LoginAnswer, type LoginLimits } from './login.ts';
export { checkNewPassword, hashPassword, passwordProblem, temporaryPassword, verifyPassword, MIN_PASSWORD } from './password.ts';
export { DirectoryMirror, DIRECTORY_TABLES } from './mirror.ts';
export { ensureAuditChannel, migrateFromDatabase, type Migration } from './migrate.ts';
