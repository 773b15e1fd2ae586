package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestSealedCorrespondence(t *testing.T) {
	ctx := context.Background()
	path := testLocation(t, "sealed.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	if err := db.UseKey(key); err != nil {
		t.Fatal(err)
	}
	secret := "СНИЛС 112-233-445 95, паспорт 4506 123456"
	in := inbound("s1@x", "Subject: x\r\n\r\n"+secret, 1)
	in.Ticket.Description = secret
	in.Attachments = []Attachment{{Filename: "shot.png", Verdict: VerdictAccepted, Data: []byte("png " + secret)}}
	res, err := db.Ingest(ctx, in, ack)
	if err != nil {
		t.Fatal(err)
	}
	var raws [][]byte
	for _, q := range []string{`SELECT raw FROM messages UNION ALL SELECT data FROM blobs
		UNION ALL SELECT sealed_description FROM tickets`, "SELECT description FROM tickets"} {
		rows, err := db.sql.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			rows.Scan(&b)
			raws = append(raws, b)
		}
		rows.Close()
	}
	for _, b := range raws {
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("TKT-000001")) {
			t.Errorf("stored bytes hold plaintext: %q", b)
		}
	}
	if tk, err := db.Ticket(ctx, res.Ticket.Number); err != nil || tk.Description != secret {
		t.Errorf("Ticket with the key: description %q, %v", tk.Description, err)
	}
	msgs, err := db.Messages(ctx, res.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := db.Raw(ctx, msgs[0].ID); err != nil || !bytes.Contains(raw, []byte(secret)) {
		t.Fatalf("Raw with the key = %v; want the letter back", err)
	}
	due, err := db.DueDeliveries(ctx, time.Now(), 10)
	if err != nil || len(due) != 1 || !bytes.Contains(due[0].Raw, []byte("TKT-000001")) {
		t.Fatalf("DueDeliveries with the key = %v, %v", due, err)
	}
	atts, _ := db.AttachmentsOfTicket(ctx, res.Ticket.ID)
	if b, err := db.Blob(ctx, atts[msgs[0].ID][0].SHA256); err != nil || !bytes.Contains(b, []byte(secret)) {
		t.Errorf("Blob with the key = %q, %v", b, err)
	}
	db.Close()

	noKey, _ := Open(ctx, path)
	defer noKey.Close()
	if err := noKey.Unlock(ctx, nil); !errors.Is(err, ErrEncrypted) {
		t.Errorf("Unlock without a key = %v, want ErrEncrypted", err)
	}
	if _, err := noKey.Messages(ctx, res.Ticket.ID); !errors.Is(err, ErrNoKey) {
		t.Errorf("Messages without the key = %v, want ErrNoKey: their subjects are sealed", err)
	}
	if _, err := noKey.Raw(ctx, msgs[0].ID); !errors.Is(err, ErrNoKey) {
		t.Errorf("Raw without the key = %v, want ErrNoKey", err)
	}
	if err := noKey.UseKey([]byte("another key, also 32 bytes long!")); !errors.Is(err, ErrWrongKey) {
		t.Errorf("UseKey of another key = %v, want ErrWrongKey", err)
	}
	if _, err := noKey.Raw(ctx, msgs[0].ID); err == nil {
		t.Error("Raw with the wrong key succeeded")
	}
	if err := noKey.UseKey(key); err != nil {
		t.Fatal(err)
	}
	noKey.sql.Exec("UPDATE messages SET raw = (SELECT raw FROM messages WHERE direction = 'out') WHERE direction = 'in'")
	if _, err := noKey.Raw(ctx, msgs[0].ID); err == nil {
		t.Error("a sealed letter moved to another row opened without error")
	}
}

func TestReadKey(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	writeFile(t, good, NewKey()+"\n")
	if k, err := ReadKey(good); err != nil || len(k) != KeySize {
		t.Errorf("ReadKey(NewKey()) = %d bytes, %v", len(k), err)
	}
	bad := filepath.Join(dir, "bad")
	writeFile(t, bad, "not hex")
	if _, err := ReadKey(bad); err == nil {
		t.Error("ReadKey of a bad file succeeded")
	}
}
