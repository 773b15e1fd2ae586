package mailparse_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ticketd/ticketd/mailparse"
)

func ExampleParse() {
	raw := []byte("From: =?koi8-r?B?6dfBzg==?= <ivan@mail.example>\r\n" +
		"To: support@ticketd.example\r\n" +
		"Subject: =?utf-8?B?0J/RgNC+0YLQtdGH0LrQsCDQutGA0YvRiNC4?=\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Крыша снова течёт.\r\n" +
		"\r\n" +
		"-- \r\n" +
		"Иван\r\n" +
		"\r\n" +
		"01.02.2024 10:00, Служба поддержки пишет:\r\n" +
		"> Заявка закрыта.\r\n")
	l, err := mailparse.Parse(raw, nil)
	switch {
	case errors.Is(err, mailparse.ErrRefused):
		fmt.Println("refused:", err)
		return
	case err != nil:
		fmt.Println("damaged, but read:", err)
	}
	fmt.Println(l.From.Name, l.From.Address)
	fmt.Println(l.Subject)
	fmt.Printf("%q\n", l.Description)
	fmt.Printf("%q\n", l.Signature)
	fmt.Printf("%q\n", l.Quoted)
	// Output:
	// Иван ivan@mail.example
	// Протечка крыши
	// "Крыша снова течёт."
	// "-- \nИван"
	// "01.02.2024 10:00, Служба поддержки пишет:\n> Заявка закрыта."
}

func ExampleLimits() {
	lim := mailparse.DefaultLimits()
	lim.MaxParts = 2
	raw := []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b\r\n\r\nthree\r\n--b--\r\n")
	_, err := mailparse.Parse(raw, &lim)
	fmt.Println(errors.Is(err, mailparse.ErrRefused), err)
	// Output: true mailparse: message refused: more than 2 parts
}

func ExampleParseAt() {
	// A letter that is not in memory: here a strings.Reader, in the
	// daemon a spool in the store. Any io.ReaderAt will do.
	msg := "Subject: scan\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nThe scan is attached.\r\n" +
		"--b\r\nContent-Type: application/pdf; name=scan.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
	l, err := mailparse.ParseAt(strings.NewReader(msg), int64(len(msg)), nil)
	if err != nil && !errors.Is(err, mailparse.ErrDamaged) {
		fmt.Println(err) // the source failed, or the letter was refused
		return
	}
	fmt.Println(l.Text)
	for _, p := range l.Parts {
		b, err := io.ReadAll(p.Open()) // decoded as it is read
		fmt.Println(p.Filename, p.Size, p.Body == nil, fmt.Sprintf("%q", b), err)
	}
	// Output:
	// The scan is attached.
	// scan.pdf 9 true "%PDF-1.4\n" <nil>
}
