// A table's layout, spelled once by the feature that owns the table: column
// names and types in table order, NOT NULL marks and constraints. From it come
// the CREATE TABLE statement and typed bulk inserts (Session.insert).
import type { ColumnType } from './db-values.ts';

export interface TableLayout<Name extends string = string> {
  readonly table: string;
  readonly columns: readonly { readonly name: Name; readonly type: ColumnType; readonly notNull: boolean }[];
  /** table constraints, e.g. 'UNIQUE (a, b)', 'PRIMARY KEY (id)' */
  readonly constraints: readonly string[];
}

/** A row of a layout: values in column order. */
export type LayoutRow = readonly unknown[];

const TYPES = new Set<ColumnType>(['VARCHAR', 'JSON', 'INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'BLOB', 'TIMESTAMPTZ', 'DATE', 'VARCHAR[]']);

/**
 * `defineTable('messages', { id: 'VARCHAR NOT NULL', ts: 'TIMESTAMPTZ', … }, ['UNIQUE (…)'])`:
 * the columns in table order (object order), each a ColumnType optionally followed by NOT NULL.
 */
export function defineTable<Name extends string>(table: string, columns: Record<Name, string>, constraints: readonly string[] = []): TableLayout<Name> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`table name ${table} must be a plain identifier`);
  return {
    table,
    constraints,
    columns: (Object.entries(columns) as [Name, string][]).map(([name, spec]) => {
      const m = /^(.+?)(\s+NOT NULL)?$/i.exec(spec.trim());
      const type = m![1].toUpperCase() as ColumnType;
      if (!TYPES.has(type)) throw new Error(`column ${table}.${name}: unknown type ${m![1]}`);
      return { name, type, notNull: Boolean(m![2]) };
    }),
  };
}

/** CREATE TABLE IF NOT EXISTS for a layout. */
export function createTableSql(layout: TableLayout): string {
  const cols = layout.columns.map((c) => `"${c.name}" ${c.type}${c.notNull ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${layout.table} (\n  ${[...cols, ...layout.constraints].join(',\n  ')}\n)`;
}

/** The index of each column by name (to fill rows in layout order without counting). */
export function columnIndex<Name extends string>(layout: TableLayout<Name>): Record<Name, number> {
  return Object.fromEntries(layout.columns.map((c, i) => [c.name, i])) as Record<Name, number>;
}
