package triage

import "testing"

func TestCyrillic(t *testing.T) {
	tests := []struct{ latin, want string }{
		{"ne mogu voiti v lichnyi kabinet", "не могу войти в личный кабинет"},
		{"zdravstvuite, pozhaluista", "здравствуйте, пожалуйста"},
		{"parol ne podkhodit", "пароль не подходит"},
		{"parol' ne podhodit", "пароль не подходит"},
		{"akkaunt zablokirovan", "аккаунт заблокирован"},
		{"kto-to ispolzuet moi dannye", "кто-то использует мой данные"},
		{"moi dannye slili, eto ne ya", "мой данные слили, это не я"},
		{"uchetnaya zapis, shchet, zhdu", "учетная запис, щет, жду"},
		{"lk 5560021, +7 (912) 345-67-89", "лк 5560021, +7 (912) 345-67-89"},
		{"новое слово stays", "новое слово стайс"},
		{"bad \xff byte", "бад \xff быте"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := cyrillic(tt.latin); got != tt.want {
			t.Errorf("cyrillic(%q) = %q, want %q", tt.latin, got, tt.want)
		}
	}
}

func TestTransliterated(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"zdravstvuite, ne mogu voiti v lichnyi kabinet", true},
		{"pomogite pozhaluista", true},
		{"i can't log in to my account, please help", false},
		{"no, it is not on the list", false},
		{"kabinet", false}, // one word is not enough
		{"", false},
	}
	for _, tt := range tests {
		if got := transliterated(tt.text); got != tt.want {
			t.Errorf("transliterated(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestExtractTransliterated checks that a letter in Russian written with
// Latin letters is read as Russian.
func TestExtractTransliterated(t *testing.T) {
	f := DefaultRules().Extract("ne mogu voiti", "Zdravstvuite, ne mogu voiti v lichnyi kabinet, pishet nevernyi parol. LK 5560021.\nSergeev Anton")
	if f.Priority != PriorityHigh || f.PriorityReason != ReasonAccessLoss || f.AccountNumber != "5560021" ||
		f.Language != "ru" || f.FullName != "Sergeev Anton" {
		t.Errorf("Extract(transliterated letter) = %+v, want high access_loss, account 5560021, ru, Sergeev Anton", f)
	}
}
