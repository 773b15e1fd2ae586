-- Nothing on SQLite: PostgreSQL's 0018_search_statistics.sql raises the
-- statistics target of its search index, which SQLite's FTS5 table does
-- not have. This file keeps the two backends' versions aligned.
SELECT 1;
