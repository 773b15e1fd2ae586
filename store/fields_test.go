package store

import (
	"errors"
	"testing"
)

func TestFieldsEncoding(t *testing.T) {
	good := encodeFields("Зоя Квасникова", "", "7700123")
	tests := []struct {
		name string
		b    []byte
		n    int // fields to decode
		want []string
		err  bool
	}{
		{"round trip", good, 3, []string{"Зоя Квасникова", "", "7700123"}, false},
		{"no fields", encodeFields(), 0, nil, false},
		{"fewer fields than encoded", good, 2, nil, true},
		{"more fields than encoded", good, 4, nil, true},
		{"truncated", good[:len(good)-1], 3, nil, true},
		{"another version", append([]byte{2}, good[1:]...), 3, nil, true},
		{"empty", nil, 0, nil, true},
		{"length past the end", []byte{fieldsVersion, 0x7f, 'a'}, 1, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]string, tt.n)
			ptrs := make([]*string, tt.n)
			for i := range got {
				ptrs[i] = &got[i]
			}
			err := decodeFields(tt.b, ptrs...)
			if (err != nil) != tt.err {
				t.Fatalf("decodeFields(%x) = %v, want error %v", tt.b, err, tt.err)
			}
			if !tt.err {
				for i := range tt.want {
					if got[i] != tt.want[i] {
						t.Errorf("field %d = %q, want %q", i, got[i], tt.want[i])
					}
				}
			}
		})
	}
}

// TestSealedFieldsBoundToTheirRow copies a ticket's sealed fields to
// another ticket: they do not open there.
func TestSealedFieldsBoundToTheirRow(t *testing.T) {
	db := openTest(t)
	if err := db.UseKey(testKey(1)); err != nil {
		t.Fatal(err)
	}
	sealed := ticketFields{"Зоя", "Справка", "1", "2"}.seal(db, 1)
	var tk Ticket
	tk.ID = 1
	if err := db.openTicketFields(&tk, sealed); err != nil || tk.CitizenName != "Зоя" || tk.ApplicationNumber != "2" {
		t.Errorf("fields of ticket 1 = %+v, %v", tk, err)
	}
	tk = Ticket{ID: 2}
	if err := db.openTicketFields(&tk, sealed); err == nil {
		t.Error("ticket 1's fields opened as ticket 2's")
	}
	noKey := openTest(t)
	if err := noKey.openTicketFields(&tk, sealed); !errors.Is(err, ErrNoKey) {
		t.Errorf("fields opened without the key = %v, want ErrNoKey", err)
	}
	if err := noKey.openTicketFields(&tk, nil); err != nil {
		t.Errorf("plain fields (nil) = %v, want them left as they are", err)
	}
}

// BenchmarkOpenPageFields opens the sealed fields of a page of the queue
// (50 tickets and the one after it), as FindTickets does.
func BenchmarkOpenPageFields(b *testing.B) {
	db, err := Open(b.Context(), testLocation(b, "ticketd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.UseKey(testKey(1)); err != nil {
		b.Fatal(err)
	}
	page := make([][]byte, DefaultTicketLimit+1)
	for i := range page {
		page[i] = ticketFields{"Иванов Иван Иванович", "Не могу войти в личный кабинет, пишет «неверный пароль»", "0001234567", "АБ-2026/123456"}.
			seal(db, int64(i+1))
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, sealed := range page {
			t := Ticket{ID: int64(i + 1)}
			if err := db.openTicketFields(&t, sealed); err != nil {
				b.Fatal(err)
			}
		}
	}
}
