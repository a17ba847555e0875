-- Microblog schema (SQLite). Times are UTC microseconds since the Unix epoch
-- (BIGINT) so both dialects compare and order them the same way.
CREATE TABLE mb_users (
  id INTEGER PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  email VARCHAR(120) NOT NULL,
  password_hash VARCHAR(256),
  about_me VARCHAR(140),
  last_seen BIGINT,
  last_message_read_time BIGINT,
  token_hash VARCHAR(64),
  token_nonce VARCHAR(32),
  token_expiration BIGINT,
  session_generation INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ix_mb_users_username ON mb_users (lower(username));
CREATE UNIQUE INDEX ix_mb_users_email ON mb_users (lower(email));
CREATE UNIQUE INDEX ix_mb_users_token ON mb_users (token_hash);

CREATE TABLE mb_posts (
  id INTEGER PRIMARY KEY,
  body VARCHAR(140) NOT NULL,
  timestamp BIGINT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES mb_users (id),
  language VARCHAR(5)
);
CREATE INDEX ix_mb_posts_timestamp ON mb_posts (timestamp);
CREATE INDEX ix_mb_posts_user_id ON mb_posts (user_id);

CREATE TABLE mb_followers (
  follower_id INTEGER NOT NULL REFERENCES mb_users (id),
  followed_id INTEGER NOT NULL REFERENCES mb_users (id),
  PRIMARY KEY (follower_id, followed_id)
);
CREATE INDEX ix_mb_followers_followed ON mb_followers (followed_id);

CREATE TABLE mb_messages (
  id INTEGER PRIMARY KEY,
  sender_id INTEGER NOT NULL REFERENCES mb_users (id),
  recipient_id INTEGER NOT NULL REFERENCES mb_users (id),
  body VARCHAR(140) NOT NULL,
  timestamp BIGINT NOT NULL
);
CREATE INDEX ix_mb_messages_sender_id ON mb_messages (sender_id);
CREATE INDEX ix_mb_messages_recipient_id ON mb_messages (recipient_id);
CREATE INDEX ix_mb_messages_timestamp ON mb_messages (timestamp);

CREATE TABLE mb_notifications (
  id INTEGER PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  user_id INTEGER NOT NULL REFERENCES mb_users (id),
  timestamp DOUBLE PRECISION NOT NULL,
  payload_json TEXT NOT NULL
);
CREATE INDEX ix_mb_notifications_name ON mb_notifications (name);
CREATE INDEX ix_mb_notifications_user_id ON mb_notifications (user_id);
CREATE INDEX ix_mb_notifications_timestamp ON mb_notifications (timestamp);

-- Tasks double as the durable job queue: a worker claims a row by setting
-- locked_until; a crashed worker's claim expires and another picks it up.
CREATE TABLE mb_tasks (
  id VARCHAR(36) PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  description VARCHAR(128),
  user_id INTEGER NOT NULL REFERENCES mb_users (id),
  complete BOOLEAN NOT NULL DEFAULT FALSE,
  progress INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL DEFAULT 0,
  error TEXT
);
CREATE INDEX ix_mb_tasks_name ON mb_tasks (name);
-- One unfinished job of a kind per user.
CREATE UNIQUE INDEX ix_mb_tasks_one_open ON mb_tasks (user_id, name) WHERE NOT complete;

CREATE VIRTUAL TABLE mb_posts_fts USING fts5(body, content='mb_posts', content_rowid='id');
CREATE TRIGGER mb_posts_fts_ai AFTER INSERT ON mb_posts BEGIN
  INSERT INTO mb_posts_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER mb_posts_fts_ad AFTER DELETE ON mb_posts BEGIN
  INSERT INTO mb_posts_fts (mb_posts_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER mb_posts_fts_au AFTER UPDATE OF body ON mb_posts BEGIN
  INSERT INTO mb_posts_fts (mb_posts_fts, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO mb_posts_fts (rowid, body) VALUES (new.id, new.body);
END;
