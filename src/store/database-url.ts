/** A `database` setting that names a PostgreSQL server rather than a SQLite file. */
export const isPostgresUrl = (database: string): boolean => /^postgres(?:ql)?:\/\//.test(database);
