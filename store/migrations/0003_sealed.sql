-- Letters, files and ticket descriptions may be stored encrypted
-- (AES-256-GCM, see seal.go).
ALTER TABLE messages ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN description_sealed INTEGER NOT NULL DEFAULT 0;
