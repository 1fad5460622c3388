-- Whether anyone ever pushed a manifest to the repository (rather than the pull-through cache filling it):
-- the start refuses an upstream whose namespace would hide such repositories. Repositories from before
-- this column are taken as cached (false), so an upgrade never refuses to start.
ALTER TABLE repositories ADD COLUMN pushed BOOLEAN NOT NULL DEFAULT FALSE;
