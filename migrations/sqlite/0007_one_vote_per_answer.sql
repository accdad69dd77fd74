-- One vote per answer: a second vote (👍 after 👎 or the other way) replaces
-- the first. Earlier duplicates keep their latest vote.
DELETE FROM feedback WHERE id NOT IN (SELECT MAX(id) FROM feedback GROUP BY message_id);
DROP INDEX feedback_by_message;
CREATE UNIQUE INDEX feedback_one_per_answer ON feedback(message_id);
