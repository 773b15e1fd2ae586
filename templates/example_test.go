package templates_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/ticketd/ticketd/templates"
)

func ExampleSet_Render() {
	set, err := templates.Load("", nil)
	if err != nil {
		log.Fatal(err)
	}
	vars := map[string]string{"status": "approved", "comment": "услуга будет оказана в течение 5 рабочих дней."}
	if err := set.Check("status", vars); err != nil {
		log.Fatal(err)
	}
	r, err := set.Render("status", "ru", templates.Data{
		Number:            "TKT-000123",
		Subject:           "Когда будет готова заявка?",
		CitizenName:       "Иванов Иван",
		ApplicationNumber: "4521-77",
		Operator:          "Петрова Анна",
		Vars:              vars,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Subject)
	fmt.Println()
	fmt.Print(r.Text)
	fmt.Println()
	fmt.Println(strings.Contains(r.HTML, "<p style="))
	// Output:
	// [TKT-000123] Статус заявки: Когда будет готова заявка?
	//
	// Здравствуйте, Иванов Иван!
	//
	// Отвечаем на Ваше обращение TKT-000123.
	// Статус Вашей заявки № 4521-77: «Одобрено».
	//
	// Комментарий: услуга будет оказана в течение 5 рабочих дней.
	//
	// Если у Вас остались вопросы, ответьте на это письмо, сохранив номер TKT-000123 в теме.
	//
	// С уважением,
	// Оператор службы поддержки: Петрова Анна
	//
	// true
}

func ExampleSet_Check() {
	set, err := templates.Load("", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(set.Check("status", map[string]string{"status": "done"}))
	fmt.Println(set.Check("resolved", map[string]string{"coment": "готово"}))
	// Output:
	// templates: status: variable "status" is "done", want in_progress, approved or rejected
	// templates: resolved: unknown variable "coment" (the template takes comment)
}

func ExampleSet_Catalog() {
	set, err := templates.Load("", nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range set.Catalog() {
		if t.Automatic {
			continue
		}
		var vars []string
		for _, v := range t.Variables {
			if v.Required {
				vars = append(vars, v.Name+"*")
			} else {
				vars = append(vars, v.Name)
			}
		}
		fmt.Println(t.Name, vars)
	}
	// Output:
	// instructions_browser []
	// instructions_password [link]
	// instructions_sms []
	// request_info [details]
	// resolved [comment]
	// status [status* application comment]
}
