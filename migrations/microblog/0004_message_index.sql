-- A user's received messages in time order, with the id: the /messages page
-- reads a page of them newest first, and every signed-in page counts the
-- unread ones (timestamp after last_message_read_time) for the navigation
-- bar. With the recipient alone indexed, both read every message the user
-- ever received and sorted or filtered them, so every page a user opened cost
-- more the more mail they had; with this index a page walks 26 index entries
-- and the count walks only the unread ones. It replaces the recipient index,
-- whose every use it covers. The same on SQLite and PostgreSQL.
CREATE INDEX ix_mb_messages_recipient_timestamp ON mb_messages (recipient_id, timestamp, id);
DROP INDEX ix_mb_messages_recipient_id;
