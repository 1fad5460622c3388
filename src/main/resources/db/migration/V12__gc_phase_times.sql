-- How long each collection's mark and sweep took (GET /api/v1/gc's history, the benchmark's mark-phase
-- figure). Runs recorded before this migration have none (NULL).
ALTER TABLE gc_runs ADD COLUMN mark_ms BIGINT;
ALTER TABLE gc_runs ADD COLUMN sweep_ms BIGINT;
