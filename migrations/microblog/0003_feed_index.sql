-- A user's posts in time order, with the id: the home feed, a user's page and
-- their later pages choose a page of posts from this index alone
-- (storage/posts.cpp, newest_posts) and read only that page's rows. Without
-- it a feed read every post of the followed users (about 1,100 rows for ten
-- followed users, scattered over the table) to keep 25; bench/scale.sh and
-- docs/performance.md "Cost as the data grows". The same on SQLite and
-- PostgreSQL.
CREATE INDEX ix_mb_posts_user_timestamp ON mb_posts (user_id, timestamp, id);
