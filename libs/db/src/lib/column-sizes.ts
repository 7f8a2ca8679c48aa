/**
 * What a MySQL/MariaDB TEXT column holds, in bytes (not characters: utf8mb4 takes up to 4 per
 * character). Strict mode refuses a longer value, so callers check before they write.
 */
export const TEXT_COLUMN_BYTES = 65_535;
