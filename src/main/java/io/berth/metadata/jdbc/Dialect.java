package io.berth.metadata.jdbc;

import java.util.Map;

/** The few places where SQLite and PostgreSQL differ; everything else is shared SQL. */
enum Dialect {
    SQLITE("TEXT", "BLOB", ""),
    POSTGRESQL("TEXT COLLATE \"C\"", "BYTEA", " FOR SHARE");

    private final String textType;
    private final String bytesType;
    /** Suffix that keeps checked rows from being deleted until the transaction ends. SQLite has one writer, so needs none. */
    final String forShare;

    Dialect(String textType, String bytesType, String forShare) {
        this.textType = textType;
        this.bytesType = bytesType;
        this.forShare = forShare;
    }

    Map<String, String> migrationPlaceholders() {
        return Map.of("text_type", textType, "bytes_type", bytesType);
    }

    static Dialect of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("unsupported database URL (expected jdbc:sqlite: or jdbc:postgresql:): " + jdbcUrl.replaceAll("password=[^&]*", "password=***"));
    }
}
