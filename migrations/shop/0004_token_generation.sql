-- Ending every session at a password change (issue 12), the same on SQLite
-- and PostgreSQL. Every access and refresh token carries the generation of
-- its user's credentials ("gen" claim; tokens without one are generation 0);
-- a password change adds one, so every token issued before it is refused by
-- the lookup authenticate() makes anyway, without another query or a row
-- per token.
ALTER TABLE shop_users ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0;
