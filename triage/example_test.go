package triage_test

import (
	"fmt"

	"github.com/ticketd/ticketd/triage"
)

func ExampleRules_Extract() {
	rules := triage.DefaultRules()
	f := rules.Extract("Не могу войти в личный кабинет",
		"Здравствуйте! Со вчерашнего дня не получается войти, пишет «неверный пароль».\n"+
			"Номер личного кабинета: 4417802. Телефон 8 (912) 345-67-89.\n"+
			"ФИО: Иванова Мария Петровна")
	fmt.Println(f.Priority, f.PriorityReason, f.Category)
	fmt.Println(f.AccountNumber, f.Phone, f.PersonalData)
	fmt.Println(f.FullName, f.Language)

	f = rules.Extract("Статус заявления", "Подскажите статус заявления № 2024-000123. Утечки данных не было, просто жду.")
	fmt.Println(f.Priority, f.Category, f.ApplicationNumber)
	// Output:
	// high access_loss technical_error
	// 4417802 +79123456789 [phone]
	// Иванова Мария Петровна ru
	// normal status_request 2024-000123
}

func ExampleLoadRules() {
	rules, err := triage.LoadRules("/etc/ticketd/triage.toml")
	if err != nil {
		// The error names the file and the key, e.g. "triage: bad rules in
		// /etc/ticketd/triage.toml: account.patterns[0]: error parsing regexp: …"
		rules = triage.DefaultRules()
	}
	_ = rules
}
