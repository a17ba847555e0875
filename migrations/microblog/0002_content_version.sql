-- One counter that every write changing what a list of posts shows bumps
-- after it (a new post, a follow or unfollow, a changed username or email;
-- storage::bump_content_version). Each instance keeps rendered lists of posts
-- until the counter moves, and reads it with the signed-in user's row, so a
-- write on one instance is seen by the next page on every other instance.
-- No row until the first bump: an empty table reads as version 0.
CREATE TABLE mb_content_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL
);
