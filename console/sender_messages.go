package console

// senderMessages say, beside a letter's sender, where the address it is
// answered at was found (store.Message.ReplyHeader); a letter whose
// address stood in From, as usual, says nothing. Joined with
// coreMessages.
func senderMessages() map[string]map[string]string {
	return map[string]map[string]string{
		"ru": {
			"letter.reply.reply-to":              "ответ на адрес из Reply-To",
			"letter.reply.reply-to-encoded-word": "ответ на адрес из Reply-To, закодированного целиком",
			"letter.reply.reply-to-display-name": "ответ на адрес, записанный в имени в Reply-To",
			"letter.reply.from-encoded-word":     "ответ на адрес из From, закодированного целиком",
			"letter.reply.from-display-name":     "ответ на адрес, записанный в имени отправителя (From)",
			"letter.reply.sender":                "ответ на адрес из Sender: в From адреса нет",
			"letter.reply.sender-encoded-word":   "ответ на адрес из Sender, закодированного целиком: в From адреса нет",
			"letter.reply.none":                  "в письме нет адреса для ответа",
		},
		"en": {
			"letter.reply.reply-to":              "answered at the address in Reply-To",
			"letter.reply.reply-to-encoded-word": "answered at the address in Reply-To, which was encoded whole",
			"letter.reply.reply-to-display-name": "answered at the address written as Reply-To's display name",
			"letter.reply.from-encoded-word":     "answered at the address in From, which was encoded whole",
			"letter.reply.from-display-name":     "answered at the address written as the sender's display name (From)",
			"letter.reply.sender":                "answered at the address in Sender: From has none",
			"letter.reply.sender-encoded-word":   "answered at the address in Sender, which was encoded whole: From has none",
			"letter.reply.none":                  "the letter has no address to answer",
		},
	}
}
