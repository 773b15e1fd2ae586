-- Placeholder for migration 0013 (data keys), which another branch adds:
-- the retention branch needs 0014 to follow a 0013. The lead drops this
-- file when merging.
SELECT 1;
